//! The building leader on a phone: a visit entry in the notebook, the finding filed as a case in
//! the same step.

use fantoccini::Locator;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn a_leader_writes_a_visit_and_files_the_finding() {
    let j = Journey::start().await;
    let c = &j.c;
    let run = async {
        j.login("leader").await?;
        c.find(Locator::LinkText("楼栋三本账"))
            .await?
            .click()
            .await?;
        let form = c.wait().for_element(Locator::Css("#entry-form")).await?;
        form.find(Locator::Css("#kind"))
            .await?
            .select_by_value("visit")
            .await?;
        let households = c.find_all(Locator::Css("#household_id option")).await?;
        assert!(
            households.len() > 2,
            "the building's households to choose from"
        );
        let value = households[2].attr("value").await?.unwrap_or_default();
        c.find(Locator::Css("#household_id"))
            .await?
            .select_by_value(&value)
            .await?;
        c.find(Locator::Css("#body"))
            .await?
            .send_keys("王阿姨家卫生间漏水到楼下，已经两天了")
            .await?;
        c.find(Locator::Css("#to_case")).await?.click().await?;
        c.find(Locator::Css("#category"))
            .await?
            .select_by_value("repairs")
            .await?;
        j.snapshot("notebook-visit").await;
        c.find(Locator::Css("#entry-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Css("p.flash")).await?;
        let first = c.find(Locator::Css("#entries li")).await?.text().await?;
        assert!(first.contains("卫生间漏水"), "{first}");
        assert!(first.contains("民情走访本"), "{first}");
        // The finding is a case now, in the leader's building.
        c.find(Locator::Css("#entries li a[href^='/cases/']"))
            .await?
            .click()
            .await?;
        let status = c
            .wait()
            .for_element(Locator::Css("#status"))
            .await?
            .text()
            .await?;
        assert!(status.starts_with("已提交"), "{status}");
        let text = c.find(Locator::Css("#description")).await?.text().await?;
        assert!(text.contains("卫生间漏水"), "{text}");
        j.snapshot("notebook-case").await;
        Ok(())
    }
    .await;
    j.finish(run).await;
}
