//! Marks the build for PostgreSQL tests when `ZIZHI_TEST_POSTGRES` names a server, so that
//! without it those tests are reported as ignored rather than silently passed.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(zizhi_pg)");
    println!("cargo::rustc-check-cfg=cfg(zizhi_browser)");
    println!("cargo::rerun-if-env-changed=ZIZHI_TEST_POSTGRES");
    println!("cargo::rerun-if-env-changed=ZIZHI_TEST_BROWSER");
    if std::env::var("ZIZHI_TEST_POSTGRES").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=zizhi_pg");
    }
    if std::env::var("ZIZHI_TEST_BROWSER").is_ok_and(|v| v != "0") {
        println!("cargo::rustc-cfg=zizhi_browser");
    }
}
