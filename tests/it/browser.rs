//! End to end in headless Chromium (Debian's chromium + chromium-driver): a person signs in on a
//! phone-sized window and sees their role's home page. Built with ZIZHI_TEST_BROWSER=1.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use zizhi::app::{self, AppState};
use zizhi::config::Config;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_worker_signs_in_on_a_phone_and_sees_their_home() {
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
    let state = AppState {
        db,
        config: Arc::new(config),
    };
    let server = tokio::spawn(app::serve(state, listener));

    let (_driver, port) = chromedriver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, profile.path()).await;
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
        assert_eq!(err.text().await?, "用户名或密码错误。");
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
        std::fs::write(
            std::env::temp_dir().join("zizhi-home-worker.png"),
            c.screenshot().await?,
        )
        .ok();
        // Large text for elderly users, then sign out.
        c.find(Locator::LinkText("大字")).await?.click().await?;
        c.wait()
            .for_element(Locator::Css("body.big .role-card"))
            .await?;
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("a.button.primary[href='/login']"))
            .await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    c.close().await.ok();
    server.abort();
    run.unwrap();
}
