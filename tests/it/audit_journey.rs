//! The auditor's job in a browser, on pages only: a worker calls a caller back (the full phone
//! number, a sensitive read); the auditor opens the audit log from their home, finds that read
//! by the worker's own name with "only sensitive reads", sees who it was by name and account,
//! and finds their own look at the log recorded too.

use fantoccini::Locator;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn the_auditor_finds_a_workers_sensitive_read_by_name() {
    let j = Journey::start().await;
    let c = &j.c;
    let run = async {
        // A worker records a walk-in's request with the visitor's phone, then calls back: the
        // full number, asked for on the desk.
        j.login("worker").await?;
        c.goto(&j.url("/report")).await?;
        c.wait()
            .for_element(Locator::Css("#description"))
            .await?
            .send_keys("来访：楼顶水箱漏水，请尽快回电")
            .await?;
        c.find(Locator::Css("#contact_phone"))
            .await?
            .send_keys("13900003333")
            .await?;
        c.find(Locator::Css("#report-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("#reveal-phone"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("#phone a[href^='tel:']"))
            .await?;
        j.logout().await?;

        // The auditor: from the home card to the log, filtered by the worker's name.
        j.login("auditor").await?;
        c.find(Locator::Css(".role-card a[href='/audit']"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("#actor"))
            .await?
            .send_keys("李娜")
            .await?;
        c.find(Locator::Css("label:has(#sensitive)"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("form.filters button"))
            .await?
            .click()
            .await?;
        // The filtered page, not the one the click left.
        let mut url = String::new();
        for _ in 0..100 {
            url = c.current_url().await?.to_string();
            if url.contains("sensitive=true") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(url.contains("sensitive=true"), "{url}");
        let rows = c
            .execute(
                "return Array.from(document.querySelectorAll('table.dense tbody tr')).map(r => r.innerText)",
                vec![],
            )
            .await?;
        let rows: Vec<String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        assert!(!rows.is_empty(), "the worker's sensitive read is listed");
        assert!(
            rows[0].contains("李娜（worker）")
                && rows[0].contains("case.read")
                && rows[0].contains("phone revealed"),
            "{}",
            rows[0]
        );
        for text in &rows {
            assert!(
                text.contains("敏感信息") && text.contains("李娜"),
                "only her sensitive reads: {text}"
            );
        }
        // Typed words stay in the form; the page fits the phone.
        assert_eq!(
            c.find(Locator::Css("#actor"))
                .await?
                .prop("value")
                .await?
                .as_deref(),
            Some("李娜")
        );
        let widths = c
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth]",
                vec![],
            )
            .await?;
        assert_eq!(widths[0], widths[1], "the audit log fits the phone");
        j.snapshot("audit-log").await;

        // The auditor's own reading of the log is in the log, under their name.
        c.goto(&j.url("/audit?action=audit.read")).await?;
        let mine = c
            .wait()
            .for_element(Locator::Css("table.dense tbody tr td.actor"))
            .await?
            .text()
            .await?;
        assert!(
            mine.ends_with("（auditor）") && mine.len() > "（auditor）".len(),
            "{mine}"
        );
        j.logout().await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    j.finish(run).await;
}
