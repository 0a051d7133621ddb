//! Passwords (issue 10, item 6): an account changes its own password, proving it with the
//! current one; under the 等保 profile a password needs three kinds of character and expires
//! after 90 days, and an expired one only serves to set a new one.

use axum::http::StatusCode;
use serde_json::json;
use zizhi::auth::password::Profile;

use crate::both;
use crate::harness::{Browser, TestApp};

async fn change(
    app: &TestApp,
    b: &Browser,
    current: &str,
    new: &str,
    confirm: &str,
) -> crate::harness::Res {
    app.post("/account/password")
        .browser(b)
        .form(&[
            ("_csrf", &b.csrf),
            ("current", current),
            ("new", new),
            ("confirm", confirm),
        ])
        .send()
        .await
}

both!(
    an_account_changes_its_own_password,
    |app: TestApp| async move {
        let other_device = app.login("resident").await;
        let b = app.login("resident").await;
        let form = app.get("/account/password").browser(&b).send().await;
        assert_eq!(form.status, StatusCode::OK);
        assert_eq!(
            form.select("form[action='/account/password'] button"),
            vec!["修改密码"]
        );
        assert!(
            form.select("#code").is_empty(),
            "no two-factor code asked of an account without it"
        );
        let demo = zizhi::demo::DEMO_PASSWORD;
        for (current, new, confirm, says) in [
            (
                "wrong-password",
                "a-long-new-password",
                "a-long-new-password",
                "用户名或密码错误",
            ),
            (
                demo,
                "a-long-new-password",
                "a-long-new-passw0rd",
                "两次输入的新密码不一致",
            ),
            (demo, "short", "short", "密码至少 10 位"),
            (demo, demo, demo, "新密码不能与原密码相同"),
        ] {
            let res = change(&app, &b, current, new, confirm).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{says}");
            assert!(
                res.select("#password-error")[0].contains(says),
                "{}",
                res.text()
            );
        }
        let done = change(&app, &b, demo, "月亮代表我的心2026", "月亮代表我的心2026").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        assert_eq!(
            done.header("location").as_deref(),
            Some("/account/password?saved=1")
        );
        // This browser goes on with a new session; the other device is signed out.
        let mut b2 = b.clone();
        b2.absorb(&done);
        let saved = app
            .get("/account/password?saved=1")
            .browser(&b2)
            .send()
            .await;
        assert_eq!(saved.select("#password-saved").len(), 1);
        let stale = app.get("/me").browser(&other_device).send().await;
        assert_eq!(stale.status, StatusCode::SEE_OTHER);
        // The old password no longer works; the new one does.
        let old = app
            .post("/api/v1/auth/token")
            .json(&json!({"username": "resident", "password": demo}))
            .send()
            .await;
        assert_eq!(old.status, StatusCode::UNAUTHORIZED);
        let new = app
            .post("/api/v1/auth/token")
            .json(&json!({"username": "resident", "password": "月亮代表我的心2026"}))
            .send()
            .await;
        assert_eq!(new.status, StatusCode::OK);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'account.password' AND object_id = 'resident'")
                .await,
            1
        );
        // Signed out, the page asks to sign in.
        let anon = app.get("/account/password").send().await;
        assert_eq!(
            anon.header("location").as_deref(),
            Some("/login?next=/account/password")
        );
    }
);

both!(
    under_dengbao_an_expired_password_only_sets_a_new_one,
    |app: TestApp| async move {
        let app = app.with_config(|c| c.password_profile = Profile::Dengbao);
        app.exec("UPDATE users SET password_changed_at = '2026-01-05T00:00:00Z' WHERE username = 'resident'")
            .await;
        let demo = zizhi::demo::DEMO_PASSWORD;
        let token = app
            .post("/api/v1/auth/token")
            .json(&json!({"username": "resident", "password": demo}))
            .send()
            .await;
        assert_eq!(token.status, StatusCode::FORBIDDEN);
        assert_eq!(token.json()["code"], "login.password_expired");

        let mut b = Browser::default();
        let page = app.get("/login").browser(&b).send().await;
        b.absorb(&page);
        b.csrf = page.csrf().unwrap();
        let signin = app
            .post("/login")
            .browser(&b)
            .form(&[
                ("_csrf", &b.csrf),
                ("username", "resident"),
                ("password", demo),
                ("next", "/me"),
            ])
            .send()
            .await;
        assert_eq!(
            signin.status,
            StatusCode::FORBIDDEN,
            "no session for an expired password"
        );
        assert!(
            signin
                .header("set-cookie")
                .is_none_or(|c| !c.starts_with("zz_session="))
        );
        assert_eq!(signin.select("#expired-notice").len(), 1);
        assert_eq!(signin.select("form[action='/login/renew']").len(), 1);
        let renew = |new: &'static str| {
            let (app, b) = (&app, b.clone());
            async move {
                app.post("/login/renew")
                    .browser(&b)
                    .form(&[
                        ("_csrf", &b.csrf),
                        ("username", "resident"),
                        ("current", demo),
                        ("new", new),
                        ("confirm", new),
                        ("next", "/me"),
                    ])
                    .send()
                    .await
            }
        };
        let simple = renew("only-small-letters").await;
        assert_eq!(simple.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(simple.select("#password-error")[0].contains("至少三种"));
        let done = renew("Renewed-2026").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        assert_eq!(done.header("location").as_deref(), Some("/me"));
        b.absorb(&done);
        assert_eq!(
            app.get("/me").browser(&b).send().await.status,
            StatusCode::OK
        );
        let token = app
            .post("/api/v1/auth/token")
            .json(&json!({"username": "resident", "password": "Renewed-2026"}))
            .send()
            .await;
        assert_eq!(token.status, StatusCode::OK);
        // The expired attempts were the right password: no failure counted towards a lockout.
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM login_attempts WHERE username = 'resident' AND succeeded = 0"
            )
            .await,
            0
        );
    }
);
