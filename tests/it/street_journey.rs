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
async fn an_appraisal_is_voted_and_tallied_and_the_street_drills_down() {
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
        let title = c
            .find(Locator::Css("section.appraisal h2"))
            .await?
            .text()
            .await?;
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
        let mut first = String::new();
        for _ in 0..50 {
            first = match c.find(Locator::Css("section.appraisal p")).await {
                Ok(p) => p.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if first.contains("已投票人数 1") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
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
        let error = c
            .wait()
            .for_element(Locator::Css("#error"))
            .await?
            .text()
            .await?;
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
        c.wait()
            .for_element(Locator::Css(
                "form[action$='/disclose'], a[href^='/api/v1/appraisals/']",
            ))
            .await?;
        let results = c
            .wait()
            .for_element(Locator::Css("section.appraisal table.results"))
            .await?;
        let row = results.find(Locator::Css("tbody tr")).await?.text().await?;
        assert!(row.contains("100.0%"), "{row}");
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
        let numbers = c
            .wait()
            .for_element(Locator::Css("#numbers"))
            .await?
            .text()
            .await?;
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
