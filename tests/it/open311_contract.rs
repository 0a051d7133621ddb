//! The Open311 contract test (issue 22 item 1): the third-party `georeport` client from PyPI,
//! in JSON and XML, against a live zizhi serving the demo street (tests/open311/contract.py).
//! CI installs the client (`.ci/run`) and sets ZIZHI_TEST_OPEN311_CLIENT=1, which makes a
//! missing client a failure; elsewhere the test says it is skipped.

use std::sync::Arc;

use zizhi::platform::{AppState, config::Config};

use crate::harness::{Backend, fresh_db};

fn client_installed() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import georeport, xmltodict, requests"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_georeport_client_works_in_both_formats() {
    if !client_installed() {
        assert!(
            std::env::var_os("ZIZHI_TEST_OPEN311_CLIENT").is_none(),
            "ZIZHI_TEST_OPEN311_CLIENT is set but python3 cannot import georeport"
        );
        eprintln!("skipped: the georeport client is not installed (pip install georeport)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).await;
    zizhi::demo::load_core(&db, zizhi::demo::DEFAULT_SEED)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let server = tokio::spawn(zizhi::app::serve(
        AppState::new(db, Arc::new(config)),
        listener,
    ));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/open311/contract.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .arg(&base)
            .arg("demo-open311-key")
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    server.abort();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("checks passed"), "{said}");
}
