//! The street's year in a browser: the supervisory board opens a democratic appraisal, a
//! representative votes on a phone, the board closes and tallies it; the street officer opens
//! the street dashboard and follows a flagged number down to its records.

use fantoccini::Locator;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn an_appraisal_is_voted_counted_only_with_its_turnout_and_the_street_drills_down() {
    let j = Journey::start().await;
    let c = &j.c;
    let logout = || async {
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("header a[href^='/login']"))
            .await?;
        Ok::<(), fantoccini::error::CmdError>(())
    };
    // The text of the first element matching `css`, once it contains `want` (up to 10 s). Read
    // through script, so that a page replaced meanwhile cannot leave a stale element behind.
    let text_with = |css: &'static str, want: &'static str| async move {
        let mut text = String::new();
        for _ in 0..100 {
            let v = c
                .execute(
                    "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                    vec![serde_json::json!(css)],
                )
                .await?;
            text = v.as_str().unwrap_or_default().to_owned();
            if text.contains(want) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Ok::<String, fantoccini::error::CmdError>(text)
    };
    let run = async {
        j.login("supervisor").await?;
        c.find(Locator::LinkText("民主评议")).await?.click().await?;
        let form = c
            .wait()
            .for_element(Locator::Css("#appraisal-form"))
            .await?;
        let today = zizhi::platform::time::today().to_string();
        c.execute(
            &format!("document.getElementById('closes_on').value = '{today}'"),
            vec![],
        )
        .await?;
        form.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        // Back on the list, the new appraisal open, with its button to close it.
        c.wait()
            .for_element(Locator::Css("form[action$='/close'] button"))
            .await?;
        let title = text_with("section.appraisal h2", "民主评议").await?;
        assert!(title.contains("民主评议"), "{title}");
        logout().await?;

        // The leader, a representative, on a phone.
        c.set_window_size(360, 780).await?;
        j.login("leader").await?;
        c.goto(&j.url("/appraisals")).await?;
        let form = c.wait().for_element(Locator::Css("form.ballot")).await?;
        for fieldset in form.find_all(Locator::Css("fieldset")).await? {
            fieldset
                .find(Locator::Css("input[value='satisfied']"))
                .await?
                .click()
                .await?;
        }
        j.snapshot("appraisal-ballot").await;
        form.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        let first = text_with("section.appraisal p.turnout", "已投票人数 1").await?;
        assert!(first.contains("已投票人数 1"), "{first}");
        // Voting again is refused, in words.
        let form = c.find(Locator::Css("form.ballot")).await?;
        for fieldset in form.find_all(Locator::Css("fieldset")).await? {
            fieldset
                .find(Locator::Css("input[value='basically']"))
                .await?
                .click()
                .await?;
        }
        form.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        let error = text_with("#error", "已经投过票").await?;
        assert!(error.contains("已经投过票"), "{error}");
        logout().await?;

        c.set_window_size(1280, 900).await?;
        j.login("supervisor").await?;
        c.goto(&j.url("/appraisals")).await?;
        c.wait()
            .for_element(Locator::Css("form[action$='/close'] button"))
            .await?
            .click()
            .await?;
        // One ballot, the window open: the count waits, and the page says why.
        let error = text_with("#error", "截止后").await?;
        assert!(error.contains("截止后"), "{error}");
        // The window ends with one ballot of the roll: the appraisal is void, nothing counted.
        let mut tx = j.db.begin().await.unwrap();
        sqlx::query("UPDATE appraisals SET closes_on = '2026-01-01' WHERE status = 'open'")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        c.goto(&j.url("/appraisals")).await?;
        c.wait()
            .for_element(Locator::Css("form[action$='/close'] button"))
            .await?
            .click()
            .await?;
        let void = text_with("section.appraisal .void", "无效").await?;
        assert!(void.contains("无效"), "{void}");
        j.snapshot("appraisal-void").await;
        assert!(
            c.find_all(Locator::Css(
                "section.appraisal:first-of-type table.results"
            ))
            .await?
            .is_empty()
        );
        logout().await?;

        // The street dashboard: a flagged component, down to its records.
        j.login("street").await?;
        c.find(Locator::LinkText("街道总览")).await?.click().await?;
        c.wait()
            .for_element(Locator::Css(".glance svg.spark"))
            .await?;
        j.snapshot("street-dashboard").await;
        c.find(Locator::Css(".glance .flags a"))
            .await?
            .click()
            .await?;
        let numbers = text_with("#numbers", "/").await?;
        assert!(numbers.contains('/'), "{numbers}");
        assert!(
            !c.find_all(Locator::Css("#records tbody tr"))
                .await?
                .is_empty()
        );
        Ok(())
    };
    let run = run.await;
    j.finish(run).await;
}
