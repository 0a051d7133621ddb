//! Residents' rights in Chromium: a resident asks on 我的信息 for their data to be deleted, the
//! community head answers on the corrections page by locking the record with the legal reason,
//! and the resident sees it; then changes their password.

use fantoccini::Locator;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_deletion_request_is_answered_with_a_lock_and_its_reason() {
    let j = Journey::start().await;
    let c = &j.c;
    let reason = "在册居民登记信息依法须保存，已封存，不再用于其他事务";
    let run = async {
        j.login("resident").await?;
        c.goto(&j.url("/me")).await?;
        let export = c.find(Locator::Css("a#export")).await?;
        assert_eq!(export.attr("href").await?.as_deref(), Some("/me/export"));
        c.find(Locator::Css("#erasure-message"))
            .await?
            .send_keys("我已不需要社区保存我的信息，请删除")
            .await?;
        c.find(Locator::Css("form[action='/me/erasure'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//ul[@id='my-erasures']/li[contains(., '待处理')]",
            ))
            .await?;
        j.snapshot("me-erasure").await;
        j.logout().await?;

        j.login("head").await?;
        c.goto(&j.url("/corrections#erasures")).await?;
        // The newest open request is the resident's (the demo has one per community too).
        let mine = "//section[contains(@class,'erasure')][contains(., '我已不需要社区保存')]";
        // Deleting a living resident's registration is refused, beside the request.
        c.wait()
            .for_element(Locator::XPath(&format!("{mine}//button[@value='erase']")))
            .await?
            .click()
            .await?;
        let refused = c
            .wait()
            .for_element(Locator::XPath(&format!("{mine}//p[@id='erasure-error']")))
            .await?
            .text()
            .await?;
        assert!(refused.contains("依法保存"), "{refused}");
        let form = c
            .find(Locator::XPath(&format!("{mine}//form")))
            .await?;
        form.find(Locator::Css("textarea")).await?.send_keys(reason).await?;
        j.snapshot("corrections-erasure").await;
        form.find(Locator::Css("button[value='lock']"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(&format!(
                "//section[contains(@class,'erasure')][contains(., '已封存')][contains(., '{reason}')]"
            )))
            .await?;
        j.logout().await?;

        j.login("resident").await?;
        c.goto(&j.url("/me")).await?;
        let notice = c.find(Locator::Css("#locked-notice")).await?.text().await?;
        assert!(notice.contains(reason), "{notice}");
        j.snapshot("me-locked").await;

        c.find(Locator::LinkText("修改密码")).await?.click().await?;
        c.wait().for_element(Locator::Css("#current")).await?.send_keys("zizhi-demo").await?;
        c.find(Locator::Css("#new")).await?.send_keys("楼道灯亮了就好2026").await?;
        c.find(Locator::Css("#confirm")).await?.send_keys("楼道灯亮了就好2026").await?;
        c.find(Locator::Css("form[action='/account/password'] button"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Css("#password-saved")).await?;
        j.snapshot("password-saved").await;
        Ok(())
    }
    .await;
    j.finish(run).await;
}
