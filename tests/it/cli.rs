//! The binary itself: demo, user management and `zizhi verify` on a real data folder.

use std::process::Command;

fn zizhi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zizhi"))
        .args(args)
        .env("ZIZHI_LOG", "error")
        .output()
        .expect("run zizhi")
}

#[test]
fn demo_users_and_verify_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = zizhi(&["demo", "--data", data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("zizhi-demo") && text.contains("demo-open311-key"),
        "{text}"
    );
    let again = zizhi(&["demo", "--data", data]);
    assert!(
        !again.status.success(),
        "the demo loads only into an empty database"
    );

    let add = zizhi(&[
        "user",
        "add",
        "wang.li",
        "--name",
        "王丽",
        "--password",
        "long-enough-pw",
        "--data",
        data,
    ]);
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let grant = zizhi(&[
        "user",
        "grant",
        "wang.li",
        "community_worker",
        "--community",
        "2",
        "--from",
        "2026-01-01",
        "--data",
        data,
    ]);
    assert!(
        grant.status.success(),
        "{}",
        String::from_utf8_lossy(&grant.stderr)
    );
    let dual = zizhi(&[
        "user", "grant", "wang.li", "auditor", "--street", "1", "--data", data,
    ]);
    assert!(!dual.status.success());
    assert!(String::from_utf8_lossy(&dual.stderr).contains("三权分立"));
    let short = zizhi(&[
        "user",
        "passwd",
        "wang.li",
        "--password",
        "short",
        "--data",
        data,
    ]);
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("密码至少 10 位"));
    let revoke = zizhi(&[
        "user",
        "revoke",
        "wang.li",
        "community_worker",
        "--data",
        data,
    ]);
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );

    let ok = zizhi(&["verify", "--data", data]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("intact: 4 entries"),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    // Tamper with an entry behind zizhi's back, straight in the database file.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let actor: String = rt.block_on(async {
        use sqlx::Row;
        let d = zizhi::platform::db::Db::open_sqlite_dir(dir.path())
            .await
            .unwrap();
        let mut tx = d.begin().await.unwrap();
        let actor: String = sqlx::query("SELECT actor FROM audit_log WHERE seq = 2")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .try_get("actor")
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        d.close().await;
        actor
    });
    let bad = zizhi(&["verify", "--data", data]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("entry 2"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );

    // Put the entry back, then change a published notice's text in the file.
    let notice: i64 = rt.block_on(async {
        use sqlx::Row;
        let d = zizhi::platform::db::Db::open_sqlite_dir(dir.path())
            .await
            .unwrap();
        let mut tx = d.begin().await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = $1 WHERE seq = 2")
            .bind(&actor)
            .execute(&mut *tx)
            .await
            .unwrap();
        let id: i64 = sqlx::query("SELECT object_id FROM publications WHERE kind = 'disclosure' ORDER BY seq LIMIT 1 OFFSET 2")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .try_get("object_id")
            .unwrap();
        sqlx::query(&format!("UPDATE disclosures SET body = body || '（已删改）' WHERE id = {id}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        d.close().await;
        id
    });
    let altered = zizhi(&["verify", "--data", data]);
    let err = String::from_utf8_lossy(&altered.stderr);
    assert!(!altered.status.success());
    assert!(err.contains(&format!("disclosure {notice}")), "{err}");
}

#[test]
fn calendar_from_the_command_line() {
    let out = zizhi(&["calendar", "add", "2026-09-30", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.split_whitespace().last(), Some("2026-10-10"), "{text}");
    // An operator's file extends the shipped one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("holidays.toml"),
        "years = [2027]\n[[holiday]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-03\"\n",
    )
    .unwrap();
    let out = zizhi(&[
        "calendar",
        "add",
        "2026-12-31",
        "1",
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .last(),
        Some("2027-01-04")
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "years = [2027]\n[[workday]]\nname = \"x\"\ndate = \"2027-02-03\"\n",
    )
    .unwrap();
    let out = zizhi(&["calendar", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Saturday or Sunday"));
    assert!(zizhi(&["calendar", "check"]).status.success());
}
