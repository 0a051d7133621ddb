//! The secretary's meeting in Chromium: schedule a council meeting, record who came, put a
//! motion to the vote and publish the minutes.

use fantoccini::Locator;

use crate::browser::Journey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn the_secretary_holds_a_council_meeting() {
    let j = Journey::start().await;
    let c = &j.c;
    let run = async {
        j.login("head").await?;
        c.find(Locator::LinkText("会议")).await?.click().await?;
        c.wait().for_element(Locator::Css("#schedule-form")).await?;
        // The May gap is flagged on the page.
        let flag = c.find(Locator::Css("p.alert.flag")).await?.text().await?;
        assert!(flag.contains("2026-05"), "{flag}");
        c.find(Locator::Css("#kind"))
            .await?
            .select_by_value("ad_hoc")
            .await?;
        c.find(Locator::Css("#title"))
            .await?
            .send_keys("关于楼道电动车充电的临时议事会")
            .await?;
        // A date-time picker's typing differs by locale; set it as the picker would.
        let start = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_mins(10))
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        c.execute(
            "document.getElementById('starts_at').value = arguments[0];",
            vec![serde_json::json!(start)],
        )
        .await?;
        c.find(Locator::Css("#location"))
            .await?
            .send_keys("社区议事厅")
            .await?;
        c.find(Locator::Css("#agenda"))
            .await?
            .send_keys("楼道电动车充电隐患\n集中充电桩选址")
            .await?;
        j.snapshot("meeting-schedule").await;
        c.find(Locator::Css("#schedule-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//dd[@id='status'][normalize-space(.)='已安排']",
            ))
            .await?;

        // Eight of the eleven members came.
        let boxes = c
            .find_all(Locator::Css("#attendance-form input[name='present']"))
            .await?;
        assert_eq!(boxes.len(), 11, "every member was invited");
        for b in boxes.iter().take(8) {
            b.click().await?;
        }
        c.find(Locator::Css("#attendance-form button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//dd[@id='status'][normalize-space(.)='已召开']",
            ))
            .await?;
        let quorum = c.find(Locator::Css("#quorum")).await?.text().await?;
        assert!(quorum.starts_with("8 / 11"), "{quorum}");

        c.find(Locator::Css("#motion-title"))
            .await?
            .send_keys("禁止在楼道内为电动车充电")
            .await?;
        let selects = c
            .find_all(Locator::Css("#motion-form select[name^='vote_']"))
            .await?;
        assert_eq!(selects.len(), 8, "those present vote");
        for (i, s) in selects.iter().enumerate() {
            // Votes start empty: a vote nobody chose is not a yes.
            assert_eq!(s.prop("value").await?.as_deref(), Some(""), "vote {i}");
            s.select_by_value(if i == 7 { "no" } else { "yes" }).await?;
        }
        j.snapshot("meeting-vote").await;
        c.find(Locator::Css("#motion-form button.primary"))
            .await?
            .click()
            .await?;
        let motion = c
            .wait()
            .for_element(Locator::Css("#motions li"))
            .await?
            .text()
            .await?;
        assert!(motion.contains("通过"), "{motion}");
        assert!(motion.contains("7"), "{motion}");

        c.find(Locator::Css("#minutes-text"))
            .await?
            .send_keys(
                "应到 11 人，实到 8 人。会议表决通过禁止在楼道内为电动车充电，由楼栋长向居民传达。",
            )
            .await?;
        c.find(Locator::Css("#minutes-form button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//dd[@id='status'][normalize-space(.)='纪要已发布']",
            ))
            .await?;
        let minutes = c.find(Locator::Css("#minutes")).await?.text().await?;
        assert!(minutes.contains("实到 8 人"), "{minutes}");
        assert!(
            c.find(Locator::Css("#attendance-form")).await.is_err(),
            "a meeting with published minutes no longer changes"
        );
        j.snapshot("meeting-minutes").await;
        Ok(())
    }
    .await;
    j.finish(run).await;
}
