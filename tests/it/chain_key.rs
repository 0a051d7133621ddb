//! The chain key from the command line (issue 18 item 5): created beside the data folder at the
//! first start, readable by zizhi's user only; checkpoints; an older copy put back found by
//! one; another key refused; seals stripped refused until the operator runs `zizhi seal`.

use std::process::{Command, Output};

use crate::cli::{ok, refused};

/// Runs zizhi with the key file (no `ZIZHI_CHAIN_KEY`) or with the key given.
fn zizhi(args: &[&str], key: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zizhi"));
    c.args(args)
        .env("ZIZHI_LOG", "error")
        .env_remove("ZIZHI_CHAIN_KEY");
    if let Some(k) = key {
        c.env("ZIZHI_CHAIN_KEY", k);
    }
    c.output().expect("run zizhi")
}

#[test]
fn key_file_checkpoints_another_key_and_stripped_seals() {
    let dir = tempfile::tempdir().unwrap();
    let data_path = dir.path().join("data");
    let data = data_path.to_str().unwrap();
    ok(&zizhi(&["demo", "--data", data], None));

    // The key was made at the first start, beside the data folder, not in it.
    let key_file = dir.path().join("data.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(key.trim().len(), 64, "{key}");
    assert!(!data_path.join("data.key").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The database holds no trace of the key, nor any TOTP secret in the clear.
    let db_bytes = std::fs::read(data_path.join("zizhi.db")).unwrap();
    assert!(
        !db_bytes.windows(64).any(|w| w == key.trim().as_bytes()),
        "the key is not in the database"
    );

    let old = dir.path().join("old.db");
    ok(&zizhi(
        &["backup", old.to_str().unwrap(), "--data", data],
        None,
    ));
    ok(&zizhi(
        &[
            "user",
            "add",
            "after.backup",
            "--name",
            "备份之后",
            "--password",
            "long-enough-pw",
            "--data",
            data,
        ],
        None,
    ));
    let cp = dir.path().join("checkpoint.json");
    let cp_s = cp.to_str().unwrap();
    ok(&zizhi(&["checkpoint", "--out", cp_s, "--data", data], None));
    assert!(
        refused(&zizhi(&["checkpoint", "--out", cp_s, "--data", data], None))
            .contains("cannot create"),
        "a checkpoint never overwrites one"
    );
    let checked = ok(&zizhi(
        &["verify", "--checkpoint", cp_s, "--data", data],
        None,
    ));
    assert!(
        checked.contains("holds against the checkpoint"),
        "{checked}"
    );
    assert!(checked.contains("seals hold"), "{checked}");

    // Another key: verify says the seals do not hold, and serve does not start.
    let other = "ab".repeat(32);
    let wrong = refused(&zizhi(&["verify", "--data", data], Some(&other)));
    assert!(wrong.contains("seal does not hold"), "{wrong}");
    let serve = refused(&zizhi(
        &["serve", "--addr", "127.0.0.1:0", "--data", data],
        Some(&other),
    ));
    assert!(serve.contains("chain key"), "{serve}");

    // The older copy put back: it verifies on its own, the checkpoint shows what is missing.
    ok(&zizhi(
        &["restore", old.to_str().unwrap(), "--data", data],
        None,
    ));
    ok(&zizhi(&["verify", "--data", data], None));
    let behind = refused(&zizhi(
        &["verify", "--checkpoint", cp_s, "--data", data],
        None,
    ));
    assert!(behind.contains("an older copy was put back"), "{behind}");

    // Every seal stripped: refused, until the operator vouches for the database.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let d = zizhi::platform::db::Db::open_sqlite_dir(&data_path)
            .await
            .unwrap();
        let mut tx = d.begin().await.unwrap();
        for t in [
            "audit_log",
            "audit_head",
            "audit_anchor",
            "publications",
            "publication_head",
        ] {
            sqlx::query(&format!("UPDATE {t} SET mac = NULL"))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        d.close().await;
    });
    let stripped = refused(&zizhi(&["verify", "--data", data], None));
    assert!(stripped.contains("carry no seal"), "{stripped}");
    let serve = refused(&zizhi(
        &["serve", "--addr", "127.0.0.1:0", "--data", data],
        None,
    ));
    assert!(serve.contains("zizhi seal"), "{serve}");
    let sealed = ok(&zizhi(&["seal", "--data", data], None));
    assert!(sealed.contains("sealed"), "{sealed}");
    ok(&zizhi(&["verify", "--data", data], None));
}
