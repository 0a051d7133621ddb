//! The case journey in Chromium on a phone: file, answer, rate.

use fantoccini::Locator;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_request_is_filed_on_a_phone_answered_and_rated() {
    let j = Journey::start().await;
    let c = &j.c;
    let run = async {
        j.login("resident").await?;
        c.find(Locator::LinkText("反映诉求")).await?.click().await?;
        let category = c.wait().for_element(Locator::Css("#category")).await?;
        category.select_by_value("repairs").await?;
        c.find(Locator::Css("#description"))
            .await?
            .send_keys("2单元楼道灯坏了，晚上看不见台阶")
            .await?;
        j.snapshot("report-form").await;
        c.find(Locator::Css("#report-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//dd[@id='status'][starts-with(normalize-space(.), '已提交')]",
            ))
            .await?;
        let url = c.current_url().await?;
        let id: String = url.path().trim_start_matches("/cases/").to_owned();
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("a.button.primary[href='/report']"))
            .await?;

        j.login("worker").await?;
        c.goto(&j.url(&format!("/cases/{id}"))).await?;
        for (action, message, then) in [
            ("accept", "", "已受理"),
            ("reply", "已更换灯泡，请查看", "已答复"),
            ("close", "", "已办结"),
        ] {
            if !message.is_empty() {
                c.wait()
                    .for_element(Locator::Css("#message"))
                    .await?
                    .send_keys(message)
                    .await?;
            }
            c.wait()
                .for_element(Locator::Css(&format!("#act-form button[value='{action}']")))
                .await?
                .click()
                .await?;
            // The next page, not the one the click left.
            let status = format!("//dd[@id='status'][starts-with(normalize-space(.), '{then}')]");
            c.wait().for_element(Locator::XPath(&status)).await?;
        }
        let status = c.find(Locator::Css("#status")).await?.text().await?;
        assert!(status.starts_with("已办结"), "{status}");
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("a.button.primary[href='/report']"))
            .await?;

        j.login("resident").await?;
        c.goto(&j.url(&format!("/cases/{id}"))).await?;
        let reply = c
            .wait()
            .for_element(Locator::Css("#reply"))
            .await?
            .text()
            .await?;
        assert_eq!(reply, "已更换灯泡，请查看");
        c.find(Locator::Css("#rate-form button[value='yes']"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//ol[@id='timeline']/li[contains(., '评价：满意')]",
            ))
            .await?;
        assert!(
            c.find_all(Locator::Css("#rate-form")).await?.is_empty(),
            "rated once"
        );
        let widths = c
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth]",
                vec![],
            )
            .await?;
        assert_eq!(widths[1], widths[0], "the case page fits the phone");
        j.snapshot("case-rated").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    j.finish(run).await;
}
