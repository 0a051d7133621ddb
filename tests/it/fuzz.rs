//! Parser fuzzing as property tests on stable Rust: the ID-number validator, the xlsx/CSV import
//! reader, the holiday calendar file and the Open311 form. Whatever the input, no panic and no
//! 5xx; what is accepted is well-formed; nothing is half-written.

use axum::http::StatusCode;
use jiff::civil::Date;
use proptest::prelude::*;
use zizhi::platform::calendar::Calendar;
use zizhi::registry::id_number::{IdNumber, check_char};
use zizhi::registry::import::read_table;

use crate::harness::{Backend, TestApp};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// The masking layer takes any text: no panic, and nothing it would find is left after it
    /// (so masking twice changes nothing), and a text with no number comes back as it was.
    #[test]
    fn masking_takes_any_text_and_leaves_no_number(
        s in "(\\PC|[0-9０-９一三八 \n.-]|\\+86|<br>){0,80}"
    ) {
        use zizhi::platform::pii;
        let once = pii::mask(&s).into_owned();
        prop_assert!(pii::find(&once).is_empty(), "{:?} → {:?}", s, once);
        prop_assert_eq!(pii::mask(&once).into_owned(), once.clone());
        if pii::find(&s).is_empty() {
            prop_assert_eq!(once, s);
        }
    }

    #[test]
    fn id_numbers_never_panic_and_accept_only_valid_ones(s in "\\PC{0,24}|[0-9]{17}[0-9Xx]") {
        if let Ok(id) = IdNumber::parse(&s) {
            let b = id.as_str().as_bytes();
            prop_assert_eq!(b.len(), 18);
            prop_assert_eq!(check_char(&b[..17]), b[17] as char);
            prop_assert!(!id.masked().contains(&id.as_str()[6..14]), "the birth date is masked");
        }
    }

    #[test]
    fn every_composed_id_number_parses_and_any_one_digit_changed_is_refused(
        area in 110000u32..660000,
        days in 0i32..40000,
        seq in 0u16..1000,
        pos in 0usize..17,
        delta in 1u8..10,
    ) {
        let birth = Date::new(1920, 1, 1).unwrap().checked_add(jiff::Span::new().days(days)).unwrap();
        prop_assume!(birth < zizhi::platform::time::today());
        let id = IdNumber::compose(&area.to_string(), birth, seq);
        let parsed = IdNumber::parse(id.as_str()).unwrap();
        prop_assert_eq!(parsed.as_str(), id.as_str());
        let mut b = id.as_str().as_bytes().to_vec();
        b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(b).unwrap();
        prop_assert!(IdNumber::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn the_photo_cleaner_takes_any_bytes_and_leaves_nothing_after_the_image(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        for prefix in [&[0xFF, 0xD8, 0xFF][..], b"\x89PNG\r\n\x1a\n"] {
            let mut b = prefix.to_vec();
            b.extend_from_slice(&bytes);
            if let Ok((out, "image/jpeg")) = zizhi::cases::photos::clean(b.into()) {
                prop_assert!(out.ends_with(&[0xFF, 0xD9]));
            }
        }
    }

    #[test]
    fn the_import_reader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_table(&bytes);
        // The same behind a zip signature, so that the xlsx reader gets it.
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&bytes);
        let _ = read_table(&zip);
    }

    #[test]
    fn csv_rows_come_back_as_written(
        // (A byte-order mark at the very start is the encoding's, and is dropped by design.)
        rows in proptest::collection::vec(proptest::collection::vec("[^,\"\r\n\\x{FEFF}]{1,12}", 1..6), 1..20)
    ) {
        let width = rows[0].len();
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|mut r| { r.resize(width, "x".into()); r.into_iter().map(|c| c.trim().to_owned()).map(|c| if c.is_empty() { "x".into() } else { c }).collect() })
            .collect();
        let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        let read = read_table(text.as_bytes()).unwrap();
        let read: Vec<Vec<String>> = read.into_iter().map(|r| r.into_iter().map(|c| c.trim().to_owned()).collect()).collect();
        prop_assert_eq!(read, rows);
    }

    #[test]
    fn calendar_files_never_panic(text in "(\\[[a-z0-9]{0,6}\\]\n|[a-z_]{1,10} = (\"[0-9-]{0,12}\"|\\[[\"0-9, -]{0,40}\\]|[0-9]{1,4})\n|\\PC{0,20}\n){0,12}") {
        if let Ok(cal) = Calendar::check(&text) {
            let d = Date::new(2026, 10, 1).unwrap();
            let _ = cal.add_working_days(d, 15);
        }
    }
}

/// The Open311 form through the router: any body, any content. Every answer is 2xx or 4xx, and
/// a refusal leaves no case behind.
#[test]
fn open311_forms_never_fail_the_server() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::spawn(Backend::Sqlite));
    let field = prop_oneof![
        Just("api_key=demo-open311-key".to_owned()),
        "api_key=[a-z0-9-]{0,20}",
        "service_code=(repairs|[a-z_]{0,12})",
        "description=\\PC{0,80}",
        "(lat|long)=[-0-9.e]{0,12}",
        "address_string=\\PC{0,30}",
        "[a-z_%]{0,10}=[a-z0-9%&=+]{0,20}",
    ];
    let body = proptest::collection::vec(field, 0..7).prop_map(|f| f.join("&"));
    let mut runner = proptest::test_runner::TestRunner::new(config(600));
    runner
        .run(&body, |body| {
            rt.block_on(async {
                let before = app.count("SELECT COUNT(*) FROM cases").await;
                let res = app
                    .post("/open311/v2/requests.json")
                    .ip("10.77.0.1")
                    .raw("application/x-www-form-urlencoded", body.clone())
                    .send()
                    .await;
                let after = app.count("SELECT COUNT(*) FROM cases").await;
                prop_assert!(
                    !res.status.is_server_error(),
                    "{body}: {} {}",
                    res.status,
                    res.text()
                );
                if res.status.is_success() {
                    prop_assert_eq!(after, before + 1);
                } else {
                    prop_assert!(res.status.is_client_error() || res.status == StatusCode::OK);
                    prop_assert_eq!(after, before, "a refused form wrote a case");
                }
                Ok(())
            })
        })
        .unwrap();
}

/// A zip whose one part claims to inflate to 3 GiB from 10 bytes (a zip bomb's signature).
fn zip_bomb() -> Vec<u8> {
    let name = b"xl/worksheets/sheet1.xml";
    let (packed, size): (u32, u32) = (10, 0xC000_0000);
    let mut z = Vec::new();
    z.extend(0x0403_4b50u32.to_le_bytes());
    z.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date
    z.extend(0u32.to_le_bytes()); // crc
    z.extend(packed.to_le_bytes());
    z.extend(size.to_le_bytes());
    z.extend((name.len() as u16).to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z.extend(name);
    z.extend([0u8; 10]);
    let cd_at = z.len() as u32;
    z.extend(0x0201_4b50u32.to_le_bytes());
    z.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // made by, needed, flags, stored, time, date
    z.extend(0u32.to_le_bytes());
    z.extend(packed.to_le_bytes());
    z.extend(size.to_le_bytes());
    z.extend((name.len() as u16).to_le_bytes());
    z.extend([0u8; 12]); // extra, comment, disk, internal and external attributes
    z.extend(0u32.to_le_bytes()); // local header at 0
    z.extend(name);
    let cd_len = z.len() as u32 - cd_at;
    z.extend(0x0605_4b50u32.to_le_bytes());
    z.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend(cd_len.to_le_bytes());
    z.extend(cd_at.to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let err = read_table(&zip_bomb()).unwrap_err();
    assert_eq!(err.key, "import.inflated");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let token = app.token("worker").await;
        let res = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&token)
            .raw("application/octet-stream", zip_bomb())
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            res.text()
        );
        assert!(res.text().contains("解压后过大"), "{}", res.text());
    });
}
