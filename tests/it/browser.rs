//! End to end in headless Chromium (Debian's chromium + chromium-driver): a person signs in on a
//! phone-sized window and sees their role's home page. Built with ZIZHI_TEST_BROWSER=1.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use zizhi::app;
use zizhi::platform::AppState;
use zizhi::platform::config::Config;

use crate::harness::{Backend, fresh_db};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and waits until it accepts connections.
async fn chromedriver() -> (Driver, u16) {
    let port = free_port();
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver on PATH (apt-get install chromium-driver)");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (driver, port)
}

pub async fn browser(port: u16, profile: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
            // A cheap Android phone, 360 CSS pixels wide.
            "mobileEmulation": {"deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 2.0}},
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--lang=zh-CN", "--window-size=390,844", format!("--user-data-dir={}", profile.display())]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session")
}

/// zizhi on the demo street, chromedriver, and a Chromium session on a 360px phone.
pub struct Journey {
    pub base: String,
    pub c: fantoccini::Client,
    /// The server's database, to move the calendar on (end a voting window…).
    pub db: zizhi::platform::db::Db,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _driver: Driver,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Journey {
    pub async fn start() -> Journey {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh_db(Backend::Sqlite, dir.path()).await;
        zizhi::demo::load(&db, zizhi::demo::DEFAULT_SEED)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        let state = AppState::new(db.clone(), Arc::new(config));
        let server = tokio::spawn(app::serve(state, listener));
        let (driver, port) = chromedriver().await;
        let profile = tempfile::tempdir().unwrap();
        let c = browser(port, profile.path()).await;
        Journey {
            base,
            c,
            db,
            server,
            _driver: driver,
            _dirs: (dir, profile),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in through the login form.
    pub async fn login(&self, user: &str) -> Result<(), fantoccini::error::CmdError> {
        self.c.goto(&self.url("/login")).await?;
        self.c
            .find(Locator::Css("#username"))
            .await?
            .send_keys(user)
            .await?;
        self.c
            .find(Locator::Css("#password"))
            .await?
            .send_keys("zizhi-demo")
            .await?;
        self.c
            .find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        self.c
            .wait()
            .for_element(Locator::Css(".role-card"))
            .await?;
        Ok(())
    }

    /// Signs out with the button at the top, and waits for the public home page.
    pub async fn logout(&self) -> Result<(), fantoccini::error::CmdError> {
        self.c
            .find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        self.c
            .wait()
            .for_element(Locator::Css("a.button[href='/login']"))
            .await?;
        Ok(())
    }

    /// Saves a screenshot to the temporary folder, for a person to look at.
    pub async fn snapshot(&self, name: &str) {
        if let Ok(png) = self.c.screenshot().await {
            std::fs::write(std::env::temp_dir().join(format!("zizhi-{name}.png")), png).ok();
        }
    }

    pub async fn finish(self, run: Result<(), fantoccini::error::CmdError>) {
        if run.is_err() {
            self.snapshot("failure").await;
            if let Ok(url) = self.c.current_url().await {
                eprintln!("browser was at {url}");
            }
        }
        self.c.clone().close().await.ok();
        self.server.abort();
        run.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_worker_signs_in_on_a_phone_and_sees_their_home() {
    let j = Journey::start().await;
    let (c, base) = (&j.c, j.base.clone());
    let run = async {
        c.goto(&format!("{base}/audit")).await?;
        // Not signed in: the login page, which returns to /audit afterwards.
        assert!(
            c.current_url()
                .await?
                .as_str()
                .contains("/login?next=%2Faudit")
        );
        c.find(Locator::Css("#username"))
            .await?
            .send_keys("worker")
            .await?;
        c.find(Locator::Css("#password"))
            .await?
            .send_keys("wrong-password")
            .await?;
        c.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        let err = c.wait().for_element(Locator::Css("#login-error")).await?;
        assert_eq!(
            err.text().await?,
            "用户名或密码错误；已开通两步验证的账号还须填写当前的动态验证码。"
        );
        c.find(Locator::Css("#password"))
            .await?
            .send_keys("zizhi-demo")
            .await?;
        c.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        // A worker may not read the audit log: a clear refusal, in Chinese.
        let h1 = c.wait().for_element(Locator::Css(".error-page h1")).await?;
        assert!(
            h1.text().await?.contains("您没有权限"),
            "{}",
            h1.text().await?
        );
        c.goto(&format!("{base}/")).await?;
        let card = c.wait().for_element(Locator::Css(".role-card h2")).await?;
        assert!(
            card.text().await?.starts_with("社区工作者"),
            "{}",
            card.text().await?
        );
        let widths = c
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth]",
                vec![],
            )
            .await?;
        assert_eq!(widths[0], 360, "a phone-sized viewport");
        assert_eq!(
            widths[1], 360,
            "the home page fits a 360px phone without scrolling sideways"
        );
        j.snapshot("home-worker").await;
        // Large text for elderly users, then sign out.
        c.find(Locator::LinkText("大字")).await?.click().await?;
        c.wait()
            .for_element(Locator::Css("body.big .role-card"))
            .await?;
        j.logout().await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    j.finish(run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_worker_finds_a_resident_and_a_leader_sees_only_their_building() {
    let j = Journey::start().await;
    let c = &j.c;
    let run = async {
        j.login("worker").await?;
        c.find(Locator::LinkText("居民名单")).await?.click().await?;
        let first = c
            .wait()
            .for_element(Locator::Css("#residents tbody tr td a"))
            .await?;
        let name = first.text().await?;
        // Search by the given name only: a Chinese substring.
        let fragment: String = name.chars().skip(1).collect();
        c.find(Locator::Css("#q"))
            .await?
            .send_keys(&fragment)
            .await?;
        c.find(Locator::Css("form[role=search] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_url(
                &url::Url::parse(&format!(
                    "{}/residents?q={}",
                    j.base,
                    zizhi::platform::error::urlencode(&fragment)
                ))
                .unwrap(),
            )
            .await?;
        let names: Vec<String> = {
            let mut v = vec![];
            for e in c
                .find_all(Locator::Css("#residents tbody tr td:first-child a"))
                .await?
            {
                v.push(e.text().await?);
            }
            v
        };
        assert!(
            !names.is_empty() && names.iter().all(|n| n.contains(&fragment)),
            "{fragment}: {names:?}"
        );
        let target = names.iter().position(|n| n == &name).unwrap_or(0);
        c.find_all(Locator::Css("#residents tbody tr td:first-child a"))
            .await?[target]
            .click()
            .await?;
        let h1 = c.wait().for_element(Locator::Css("h1")).await?;
        assert_eq!(h1.text().await?, names[target]);
        let id = c.find(Locator::Css("#id-number")).await?.text().await?;
        assert!(id.contains("***"), "masked on the page: {id}");
        j.snapshot("resident-record").await;
        j.logout().await?;

        j.login("leader").await?;
        c.find(Locator::LinkText("本楼居民")).await?.click().await?;
        c.wait().for_element(Locator::Css("#residents")).await?;
        let addresses = c
            .find_all(Locator::Css("#residents tbody tr td:last-child"))
            .await?;
        let mut buildings = std::collections::BTreeSet::new();
        for a in addresses {
            let text = a.text().await?;
            let building = text.split("号楼").next().unwrap().to_owned();
            buildings.insert(building);
        }
        assert_eq!(
            buildings.len(),
            1,
            "a leader sees one building: {buildings:?}"
        );
        j.snapshot("leader-building").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    j.finish(run).await;
}
