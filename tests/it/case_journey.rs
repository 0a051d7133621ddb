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
                    .for_element(Locator::Css(&format!("#{action}-message")))
                    .await?
                    .send_keys(message)
                    .await?;
                // What the public may see instead of the reply: a note from the list.
                c.find(Locator::Css(&format!("#{action}-public-note")))
                    .await?
                    .select_by_value("resolved")
                    .await?;
            }
            c.wait()
                .for_element(Locator::Css(&format!("#act-{action} button")))
                .await?
                .click()
                .await?;
            // The next page, not the one the click left.
            let status = format!("//dd[@id='status'][starts-with(normalize-space(.), '{then}')]");
            c.wait().for_element(Locator::XPath(&status)).await?;
            // The page says what changed.
            let said = c.find(Locator::Css(".flash")).await?.text().await?;
            assert!(said.contains(&format!("#{id}")), "{said}");
            if action == "accept" {
                j.snapshot("case-desk").await;
            }
            if action == "reply" {
                let kept = c
                    .find(Locator::Css("#close-public-note option[value='']"))
                    .await?
                    .text()
                    .await?;
                assert!(kept.contains("问题已处理完毕"), "the note chosen: {kept}");
            }
        }
        let status = c.find(Locator::Css("#status")).await?.text().await?;
        assert!(status.starts_with("已办结"), "{status}");
        // The list with its search and filters still fits a phone.
        c.goto(&j.url("/cases?status=closed")).await?;
        c.wait().for_element(Locator::Css("#case-filters")).await?;
        let widths = c
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth]",
                vec![],
            )
            .await?;
        assert_eq!(widths[0], widths[1], "the case list fits the phone");
        j.snapshot("case-list").await;
        c.goto(&j.url(&format!("/cases/{id}"))).await?;
        let code = c
            .find(Locator::XPath("//dl//dd[contains(@class, 'mono')]"))
            .await?
            .text()
            .await?;
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("a.button.primary[href='/report']"))
            .await?;

        // Anyone with the tracking code sees the note, never the reply.
        c.goto(&j.url(&format!("/track?code={}", code.trim())))
            .await?;
        let note = c
            .wait()
            .for_element(Locator::Css("#public-note"))
            .await?
            .text()
            .await?;
        assert_eq!(note, "问题已处理完毕");
        let public = c.find(Locator::Css("main")).await?.text().await?;
        assert!(!public.contains("已更换灯泡"), "{public}");

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
