//! The disclosure journey in Chromium on a phone: a worker drafts and publishes a finance notice;
//! a visitor reads it without signing in and prints it on A4; a resident objects by name.

use fantoccini::Locator;
use fantoccini::wd::PrintConfiguration;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_finance_notice_is_published_read_printed_and_objected_to() {
    let j = Journey::start().await;
    let c = &j.c;
    let run = async {
        j.login("worker").await?;
        c.find(Locator::LinkText("居务公开")).await?.click().await?;
        c.wait()
            .for_element(Locator::Css("#new-notice"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("#category"))
            .await?
            .select_by_value("finance")
            .await?;
        for (field, text) in [
            ("#title", "2026 年 11 月财务收支公开"),
            ("#period", "2026-11"),
            ("#body", "现将本月财务收支公开如下，请居民监督。"),
            (
                "#lines",
                "收入 社区服务收入 1200.00\n收入 办公经费 800\n支出 楼道照明维修 350.50",
            ),
            ("#income_total", "2000"),
            ("#expense_total", "350.5"),
        ] {
            c.find(Locator::Css(field)).await?.send_keys(text).await?;
        }
        j.snapshot("disclosure-draft").await;
        c.find(Locator::Css("#draft-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//dd[@id='status'][normalize-space(.)='草稿']",
            ))
            .await?;
        c.find(Locator::Css("#publish-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//dd[@id='status'][normalize-space(.)='公示中']",
            ))
            .await?;
        let url = c.current_url().await?;
        let hash = c.find(Locator::Css("#content-hash")).await?.text().await?;
        assert_eq!(hash.len(), 64, "{hash}");
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("a.button.primary[href='/report']"))
            .await?;

        // A visitor, not signed in, on a phone.
        c.find(Locator::LinkText("居务公开")).await?.click().await?;
        c.wait()
            .for_element(Locator::LinkText("2026 年 11 月财务收支公开"))
            .await?
            .click()
            .await?;
        let total = c
            .wait()
            .for_element(Locator::Css("#income-total"))
            .await?
            .text()
            .await?;
        assert_eq!(total, "2000.00");
        assert_eq!(
            c.find(Locator::Css("#content-hash")).await?.text().await?,
            hash
        );
        j.snapshot("disclosure-public").await;
        c.find(Locator::Css("#print-link")).await?.click().await?;
        c.wait().for_element(Locator::Css("#print #qr svg")).await?;
        let pdf = c
            .print(PrintConfiguration::builder().build().unwrap())
            .await?;
        assert!(pdf.starts_with(b"%PDF"), "an A4 PDF");
        j.snapshot("disclosure-print").await;

        // A resident objects by name.
        j.login("resident").await?;
        c.goto(&j.url(url.path())).await?;
        c.wait()
            .for_element(Locator::Css("#objection-body"))
            .await?
            .send_keys("楼道照明维修是哪几栋楼？请说明。")
            .await?;
        c.find(Locator::Css("#object-form button.primary"))
            .await?
            .click()
            .await?;
        let item = c
            .wait()
            .for_element(Locator::Css("#objections li"))
            .await?
            .text()
            .await?;
        assert!(item.contains("哪几栋楼"), "{item}");
        assert!(item.contains('*'), "shown with the surname only: {item}");
        Ok(())
    }
    .await;
    j.finish(run).await;
}
