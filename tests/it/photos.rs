//! Photos on cases: checked by content, stripped of EXIF/GPS, shown only to readers of the case.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

/// A structurally valid JPEG carrying an EXIF segment with a GPS position.
pub fn jpeg_with_gps() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend([0xFF, 0xE0, 0x00, 0x10]);
    b.extend(b"JFIF\0");
    b.extend([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
    let exif: Vec<u8> = [
        &b"Exif\0\0MM\0*"[..],
        b"GPSLatitude=40.8421;GPSLongitude=111.7519",
    ]
    .concat();
    b.extend([0xFF, 0xE1]);
    b.extend(((exif.len() + 2) as u16).to_be_bytes());
    b.extend(&exif);
    b.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend([0x12, 0x34, 0x56]);
    b.extend([0xFF, 0xD9]);
    b
}

/// A JPEG that is also HTML: script in a comment and an application segment, and a page after
/// the end-of-image marker.
fn jpeg_polyglot() -> Vec<u8> {
    let mut b = jpeg_with_gps();
    b.truncate(b.len() - 2 - 3 - 10); // before the scan
    for (marker, text) in [
        (0xFE, &b"<script>alert('com')</script>"[..]),
        (0xEB, &b"<html><script>alert('app11')</script>"[..]),
    ] {
        b.extend([0xFF, marker]);
        b.extend(((text.len() + 2) as u16).to_be_bytes());
        b.extend(text);
    }
    b.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend([0x12, 0x34, 0x56]);
    b.extend([0xFF, 0xD9]);
    b.extend(b"<html><body><script>alert('tail')</script></body></html>");
    b
}

both!(
    photos_are_checked_stripped_and_guarded,
    |app: TestApp| async move {
        let resident = app.login("resident").await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&app.token("resident").await)
            .json(&serde_json::json!({"category": "public_facility", "description": "路灯杆歪了"}))
            .send()
            .await
            .json();
        let id = filed["id"].as_i64().unwrap();
        let path = format!("/cases/{id}/photos");
        let upload = async |bytes: Vec<u8>, b: crate::harness::Browser| {
            crate::forms::post_multipart(&app, &b, &path, &[], "photo", &bytes).await
        };
        let ok = upload(jpeg_with_gps(), resident.clone()).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let page = app
            .get(&format!("/cases/{id}"))
            .browser(&resident)
            .send()
            .await;
        let src = {
            let sel = scraper::Selector::parse("#photos img").unwrap();
            page.html()
                .select(&sel)
                .next()
                .unwrap()
                .value()
                .attr("src")
                .unwrap()
                .to_owned()
        };
        let photo = app.get(&src).browser(&resident).send().await;
        assert_eq!(photo.status, StatusCode::OK);
        assert_eq!(photo.header("content-type").as_deref(), Some("image/jpeg"));
        assert!(photo.body.starts_with(&[0xFF, 0xD8]));
        assert!(
            !String::from_utf8_lossy(&photo.body).contains("GPSLatitude"),
            "the position is gone"
        );
        // A polyglot loses every place its script hid, and is served as nothing but a picture.
        let poly = upload(jpeg_polyglot(), resident.clone()).await;
        assert_eq!(poly.status, StatusCode::SEE_OTHER, "{}", poly.text());
        let stored = app
            .count(&format!(
                "SELECT MAX(id) FROM case_attachments WHERE case_id = {id}"
            ))
            .await;
        let served = app
            .get(&format!("/cases/{id}/photos/{stored}"))
            .browser(&resident)
            .send()
            .await;
        assert_eq!(served.status, StatusCode::OK);
        assert!(served.body.starts_with(&[0xFF, 0xD8]));
        let text = String::from_utf8_lossy(&served.body).to_lowercase();
        assert!(
            !text.contains("<script") && !text.contains("<html"),
            "{text}"
        );
        assert_eq!(served.header("content-type").as_deref(), Some("image/jpeg"));
        assert_eq!(
            served.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        // Not a picture, a script in a picture's name, a PNG header on garbage: refused.
        for bad in [
            b"<svg onload=alert(1)>".to_vec(),
            b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            vec![0xFF, 0xD8, 0xFF, 0x00],
        ] {
            let r = upload(bad, resident.clone()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Others may not see or add photos.
        let leader = app.login("leader").await;
        assert_eq!(
            app.get(&src).browser(&leader).send().await.status,
            StatusCode::OK,
            "the building's leader follows it"
        );
        let street = app.login("street").await;
        assert_eq!(
            app.get(&src).browser(&street).send().await.status,
            StatusCode::OK,
            "street staff read public categories"
        );
        assert_eq!(
            upload(jpeg_with_gps(), street).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&src).send().await.status,
            StatusCode::SEE_OTHER,
            "anonymous: sign in first"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM case_attachments").await,
            2,
            "the photo and the cleaned polyglot, nothing refused"
        );
    }
);
