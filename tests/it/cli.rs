//! The binary itself: demo, user management and `zizhi verify` on a real data folder.

use std::process::Command;

fn zizhi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zizhi"))
        .args(args)
        .env("ZIZHI_LOG", "error")
        .env("ZIZHI_CHAIN_KEY", crate::harness::TEST_CHAIN_KEY)
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
        String::from_utf8_lossy(&ok.stdout).contains("intact: 5 entries"),
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
    let out = zizhi(&["calendar", "check"]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("covers 2026"), "{said}");
    // Without the operator's file, a span into 2027 is counted as an estimate and says so,
    // naming the year that is missing even where the span starts in a covered one.
    let out = zizhi(&["calendar", "add", "2026-12-31", "1"]);
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(note.contains("does not cover 2027"), "{note}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .last(),
        Some("2027-01-04"),
        "1 January is a holiday by law even before the announcement"
    );
    let out = zizhi(&["calendar", "check", "--data", dir.path().to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("covers 2026, 2027"), "{said}");
}

pub(crate) fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn refused(out: &std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "expected a refusal, got {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn count_users(data: &std::path::Path, username: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Row;
        let d = zizhi::platform::db::Db::open_sqlite_dir(data)
            .await
            .unwrap();
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(d.read())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        d.close().await;
        n
    })
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data_path = dir.path().join("data");
    let data = data_path.to_str().unwrap();
    ok(&zizhi(&["demo", "--data", data]));
    let copy = dir.path().join("backup.db");
    let copy_s = copy.to_str().unwrap();
    let made = ok(&zizhi(&["backup", copy_s, "--data", data]));
    assert!(made.contains("integrity check ok"), "{made}");
    assert!(made.contains("publication chain intact"), "{made}");
    assert!(
        refused(&zizhi(&["backup", copy_s, "--data", data])).contains("already exists"),
        "a backup never overwrites a file"
    );

    // A change after the backup, then the restore takes the database back to the backup.
    ok(&zizhi(&[
        "user",
        "add",
        "after.backup",
        "--name",
        "备份之后",
        "--password",
        "long-enough-pw",
        "--data",
        data,
    ]));
    assert_eq!(count_users(&data_path, "after.backup"), 1);

    // While zizhi serves the folder, restore is refused and nothing changes.
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_zizhi"))
        .args(["serve", "--data", data, "--addr", "127.0.0.1:0"])
        .env("ZIZHI_LOG", "error")
        .env("ZIZHI_CHAIN_KEY", crate::harness::TEST_CHAIN_KEY)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        // The demo accounts' two-factor exemption is announced first, then the address.
        let mut out = std::io::BufReader::new(server.stdout.as_mut().unwrap());
        let mut seen = String::new();
        while !seen.contains("listening") {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "serve ended: {seen}");
            seen.push_str(&line);
        }
        assert!(seen.contains("exempt from two-factor login"), "{seen}");
    }
    let busy = refused(&zizhi(&["restore", copy_s, "--data", data]));
    assert!(busy.contains("stop zizhi serve first"), "{busy}");
    assert!(
        refused(&zizhi(&["serve", "--data", data, "--addr", "127.0.0.1:0"]))
            .contains("another zizhi process"),
        "two servers never share one SQLite folder"
    );
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(count_users(&data_path, "after.backup"), 1);

    // A backup altered behind zizhi's back is refused before anything is replaced.
    let altered = dir.path().join("altered.db");
    std::fs::copy(&copy, &altered).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let d = zizhi::platform::db::Db::connect(&zizhi::platform::db::sqlite_url(&altered))
            .await
            .unwrap();
        let mut tx = d.begin().await.unwrap();
        sqlx::query("UPDATE disclosures SET title = title || '（改）' WHERE id = (SELECT MIN(object_id) FROM publications WHERE kind = 'disclosure')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        d.close().await;
    });
    let bad = refused(&zizhi(&[
        "restore",
        altered.to_str().unwrap(),
        "--data",
        data,
    ]));
    assert!(
        bad.contains("publication chain broken") && bad.contains("nothing was changed"),
        "{bad}"
    );
    assert_eq!(count_users(&data_path, "after.backup"), 1);

    let back = ok(&zizhi(&["restore", copy_s, "--data", data]));
    assert!(back.contains("restored"), "{back}");
    assert_eq!(
        count_users(&data_path, "after.backup"),
        0,
        "the database is the backup's again"
    );
    let kept: Vec<_> = std::fs::read_dir(&data_path)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("zizhi.db.before-restore-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the replaced database is kept");
    let left: Vec<String> = std::fs::read_dir(&data_path)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring"))
        .collect();
    assert!(
        left.is_empty(),
        "nothing of the staging copy is left: {left:?}"
    );
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("backup.db-"))
        .collect();
    assert!(beside.is_empty(), "the backup is one file: {beside:?}");
    ok(&zizhi(&["verify", "--data", data]));
}

#[test]
fn weaker_durability_needs_the_operators_explicit_opt_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    ok(&zizhi(&["migrate", "--data", data]));
    let run = |vars: &[(&str, &str)]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_zizhi"));
        c.args(["verify", "--data", data]).env("ZIZHI_LOG", "warn");
        c.env("ZIZHI_CHAIN_KEY", crate::harness::TEST_CHAIN_KEY);
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let weak = refused(&run(&[("ZIZHI_SQLITE_SYNCHRONOUS", "normal")]));
    assert!(
        weak.contains("synchronous=1") && weak.contains("ZIZHI_UNSAFE_DURABILITY"),
        "{weak}"
    );
    let out = run(&[
        ("ZIZHI_SQLITE_SYNCHRONOUS", "normal"),
        ("ZIZHI_UNSAFE_DURABILITY", "1"),
    ]);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("durability weakened"),
        "the opt-out is logged"
    );
    ok(&run(&[("ZIZHI_SQLITE_SYNCHRONOUS", "extra")]));
}

#[test]
fn two_factor_login_is_turned_on_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    ok(&zizhi(&["demo", "--data", data]));
    let on = ok(&zizhi(&["user", "totp", "street", "--data", data]));
    assert!(on.contains("otpauth://totp/zizhi%3Astreet?secret="), "{on}");
    let off = ok(&zizhi(&["user", "totp", "street", "--off", "--data", data]));
    assert!(off.contains("two-factor login is off"), "{off}");
    assert!(refused(&zizhi(&["user", "totp", "nobody", "--data", data])).contains("no account"));
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_the_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("zizhi-data");
    ok(&zizhi(&["migrate", "--data", data.to_str().unwrap()]));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the folder zizhi created");
    // `serve` creates it first (for its lock): the same.
    let served = dir.path().join("served");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zizhi"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            served.to_str().unwrap(),
        ])
        .env("ZIZHI_LOG", "error")
        .env("ZIZHI_CHAIN_KEY", crate::harness::TEST_CHAIN_KEY)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run zizhi serve");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(mode(&served), 0o700, "serve's folder ({line})");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the folder zizhi created");
    assert_eq!(mode(&data.join("zizhi.db")), 0o600);
    // A database whose mode someone widened is narrowed again at the next start.
    std::fs::set_permissions(
        data.join("zizhi.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    ok(&zizhi(&["migrate", "--data", data.to_str().unwrap()]));
    assert_eq!(mode(&data.join("zizhi.db")), 0o600);
}
