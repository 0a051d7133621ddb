//! Issue 20, item 6: a photo is taken in the first form of 反映诉求, not after filing. It is
//! checked and cleaned before anything is stored, and recorded in the case's own transaction:
//! a bad photo files nothing and keeps what was typed; a failed write keeps neither.

use axum::http::StatusCode;

use crate::both;
use crate::forms::post_multipart;
use crate::harness::{Backend, Browser, TestApp};
use crate::photos::jpeg_with_gps;

async fn visitor(app: &TestApp) -> Browser {
    let mut b = Browser::default();
    let form = app.get("/report").send().await;
    assert!(
        form.select("#report-form[enctype='multipart/form-data'] input[type=file][name=photo]")
            .len()
            == 1,
        "the first form takes a photo"
    );
    b.absorb(&form);
    b.csrf = form.csrf().unwrap();
    b
}

fn files_in(app: &TestApp) -> usize {
    std::fs::read_dir(app.config.data_dir().join("attachments"))
        .map(|d| d.count())
        .unwrap_or(0)
}

both!(
    a_photo_is_filed_with_the_request_in_one_write,
    |app: TestApp| async move {
        let b = visitor(&app).await;
        let send = async |b: &Browser, description: &str, photo: &[u8]| {
            let fields = [
                ("community_id", "1"),
                ("category", "public_facility"),
                ("description", description),
                ("address", "三角线小区3号楼前"),
            ];
            post_multipart(&app, b, "/report", &fields, "photo", photo).await
        };
        let filed = send(&b, "路灯杆被车撞歪了，照片附上", &jpeg_with_gps()).await;
        assert_eq!(filed.status, StatusCode::OK, "{}", filed.text());
        assert_eq!(filed.select("#tracking-code").len(), 1, "{}", filed.text());
        let id = app
            .count("SELECT id FROM cases WHERE description = '路灯杆被车撞歪了，照片附上'")
            .await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM case_attachments WHERE case_id = {id}"
            ))
            .await,
            1
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'case.photo' AND object_id = '{id}'"
            ))
            .await,
            1
        );
        let stored: String = sqlx::query_scalar(&format!(
            "SELECT stored_name FROM case_attachments WHERE case_id = {id}"
        ))
        .fetch_one(app.db.read())
        .await
        .unwrap();
        let bytes = std::fs::read(app.config.data_dir().join("attachments").join(stored)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("GPSLatitude"),
            "cleaned before it was stored"
        );

        // Not a photo: nothing filed, nothing stored, everything typed comes back.
        let before = (
            app.count("SELECT COUNT(*) FROM cases").await,
            files_in(&app),
        );
        let bad = send(&b, "井盖松动，有人差点踩空", b"<svg onload=alert(1)>").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            bad.select("#photo-error").len(),
            1,
            "the error sits by the photo"
        );
        assert!(bad.select("#description")[0].contains("井盖松动，有人差点踩空"));
        assert_eq!(
            crate::forms::value_of(&bad, "#address").as_deref(),
            Some("三角线小区3号楼前")
        );
        assert_eq!(
            (
                app.count("SELECT COUNT(*) FROM cases").await,
                files_in(&app)
            ),
            before
        );

        // A write that fails after the photo was saved keeps neither.
        match app.backend {
            Backend::Sqlite => app.exec("CREATE TRIGGER photo_fault BEFORE INSERT ON case_attachments BEGIN SELECT RAISE(ABORT, 'injected fault'); END").await,
            Backend::Postgres => {
                app.exec("CREATE FUNCTION photo_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$").await;
                app.exec("CREATE TRIGGER photo_fault BEFORE INSERT ON case_attachments FOR EACH ROW EXECUTE FUNCTION photo_fault()").await;
            }
        }
        let failed = send(&b, "消防通道被占，照片为证", &jpeg_with_gps()).await;
        assert!(failed.status.is_server_error(), "{}", failed.status);
        assert_eq!(
            (
                app.count("SELECT COUNT(*) FROM cases").await,
                files_in(&app)
            ),
            before,
            "no case and no orphan photo"
        );
    }
);

both!(
    a_signed_in_resident_sees_the_photo_on_the_case,
    |app: TestApp| async move {
        let resident = app.login("resident").await;
        let fields = [
            ("category", "environment"),
            ("description", "垃圾桶满了没人清"),
        ];
        let res = post_multipart(
            &app,
            &resident,
            "/report",
            &fields,
            "photo",
            &jpeg_with_gps(),
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
        let to = res.header("location").unwrap();
        let page = app.get(&to).browser(&resident).send().await;
        assert_eq!(
            page.select("#photos img").len(),
            1,
            "the photo is on the case"
        );
        // Without a photo, an empty file input files the request alone.
        let fields = [("category", "environment"), ("description", "楼下有积水")];
        let res = post_multipart(&app, &resident, "/report", &fields, "photo", b"").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
        let id = app
            .count("SELECT id FROM cases WHERE description = '楼下有积水'")
            .await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM case_attachments WHERE case_id = {id}"
            ))
            .await,
            0
        );
    }
);
