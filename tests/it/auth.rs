//! Login, sessions, CSRF, throttling and bearer tokens.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::{Browser, TestApp};

async fn login_form(
    app: &TestApp,
    b: &mut Browser,
    user: &str,
    password: &str,
    ip: &str,
) -> crate::harness::Res {
    let page = app.get("/login").browser(b).ip(ip).send().await;
    b.absorb(&page);
    let csrf = page.csrf().unwrap();
    let res = app
        .post("/login")
        .browser(b)
        .ip(ip)
        .form(&[
            ("_csrf", &csrf),
            ("username", user),
            ("password", password),
            ("next", "/audit"),
        ])
        .send()
        .await;
    b.absorb(&res);
    res
}

both!(
    login_sets_a_strict_session_and_lands_on_next,
    |app: TestApp| async move {
        let mut b = Browser::default();
        let res = login_form(&app, &mut b, "auditor", "zizhi-demo", "10.1.1.1").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.header("location").as_deref(), Some("/audit"));
        let cookie = res.header("set-cookie").unwrap();
        assert!(cookie.starts_with("zz_session="), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let page = app.get("/audit").browser(&b).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("h1"), vec!["审计日志"]);
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    }
);

both!(
    wrong_and_unknown_get_the_same_answer,
    |app: TestApp| async move {
        let mut b = Browser::default();
        let wrong = login_form(&app, &mut b, "head", "not-the-password", "10.1.1.2").await;
        let unknown = login_form(&app, &mut b, "nobody-here", "not-the-password", "10.1.1.2").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status, wrong.status);
        assert_eq!(
            wrong.select("#login-error"),
            vec!["用户名或密码错误；已开通两步验证的账号还须填写当前的动态验证码。"]
        );
        assert_eq!(unknown.select("#login-error"), wrong.select("#login-error"));
        assert!(
            wrong
                .header("set-cookie")
                .is_none_or(|c| !c.starts_with("zz_session"))
        );
    }
);

both!(
    five_failures_lock_the_account_for_that_client,
    |app: TestApp| async move {
        for user in ["worker", "ghost-user"] {
            let mut b = Browser::default();
            for _ in 0..5 {
                let r = login_form(&app, &mut b, user, "wrong-password", "10.2.2.2").await;
                assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            }
            // Now even the right password is refused, and unknown users look the same.
            let r = login_form(&app, &mut b, user, "zizhi-demo", "10.2.2.2").await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{user}");
            let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=900).contains(&retry), "{retry}");
            assert!(
                r.select("#login-error")[0].contains("15 分钟"),
                "{:?}",
                r.select("#login-error")
            );
            // The API is throttled by the same counter.
            let api = app
                .post("/api/v1/auth/token")
                .ip("10.2.2.2")
                .json(&json!({"username": user, "password": "zizhi-demo"}))
                .send()
                .await;
            assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
        }
        // Another client is not locked out.
        let mut b = Browser::default();
        let r = login_form(&app, &mut b, "worker", "zizhi-demo", "10.3.3.3").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
);

both!(
    login_rotates_and_logout_ends_the_session,
    |app: TestApp| async move {
        let first = app.login("head").await;
        // Signing in again from the same browser (its session's CSRF token on the form).
        let again = {
            let mut b = first.clone();
            let r = app
                .post("/login")
                .browser(&b)
                .form(&[
                    ("_csrf", &first.csrf),
                    ("username", "head"),
                    ("password", "zizhi-demo"),
                    ("next", "/"),
                ])
                .send()
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            b.absorb(&r);
            b
        };
        let old = first
            .cookies
            .iter()
            .find(|(n, _)| n == "zz_session")
            .unwrap();
        let new = again
            .cookies
            .iter()
            .find(|(n, _)| n == "zz_session")
            .unwrap();
        assert_ne!(old, new, "a login issues a new session");
        // The old session no longer works.
        let r = app.get("/").browser(&first).send().await;
        assert!(r.select(".who").is_empty(), "old session still signed in");
        // Logout with the session's CSRF token ends the new one.
        let home = app.get("/").browser(&again).send().await;
        assert_eq!(home.select(".who"), vec!["社区书记 王秀英"]);
        let csrf = home.csrf().unwrap();
        let out = app
            .post("/logout")
            .browser(&again)
            .form(&[("_csrf", &csrf)])
            .send()
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after = app.get("/audit").browser(&again).send().await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "signed out: sent to the login page"
        );
        assert!(
            after
                .header("location")
                .unwrap()
                .starts_with("/login?next=")
        );
    }
);

both!(
    forms_need_the_csrf_token_and_our_origin,
    |app: TestApp| async move {
        let b = app.login("head").await;
        let no_token = app
            .post("/logout")
            .browser(&b)
            .form(&[("_csrf", "forged")])
            .send()
            .await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN);
        assert!(no_token.text().contains("页面已过期"));
        let cross = app
            .post("/logout")
            .browser(&b)
            .header("origin", "https://evil.example")
            .form(&[("_csrf", &b.csrf)])
            .send()
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN);
        assert!(cross.text().contains("拒绝来自其他网站的提交"));
        // The session survived both attempts.
        let home = app.get("/").browser(&b).send().await;
        assert_eq!(home.select(".who").len(), 1);
        // A login POST without the CSRF cookie is refused too.
        let bare = app
            .post("/login")
            .form(&[
                ("_csrf", "x"),
                ("username", "head"),
                ("password", "zizhi-demo"),
            ])
            .send()
            .await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN);
    }
);

both!(idle_and_absolute_timeouts, |app: TestApp| async move {
    let b = app.login("worker").await;
    assert_eq!(
        app.get("/").browser(&b).send().await.select(".who").len(),
        1
    );
    app.exec("UPDATE sessions SET last_seen_at = '2026-01-01T00:00:00.000000Z'")
        .await;
    assert!(
        app.get("/")
            .browser(&b)
            .send()
            .await
            .select(".who")
            .is_empty(),
        "31 minutes idle ends the session"
    );
    let b = app.login("worker").await;
    app.exec("UPDATE sessions SET expires_at = '2026-01-01T00:00:00.000000Z'")
        .await;
    assert!(
        app.get("/")
            .browser(&b)
            .send()
            .await
            .select(".who")
            .is_empty(),
        "12 hours end the session"
    );
});

both!(bearer_tokens_me_and_revocation, |app: TestApp| async move {
    let token = app.token("leader").await;
    let me = app.get("/api/v1/me").bearer(&token).send().await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["username"], "leader");
    assert_eq!(me["roles"][0]["role"], "building_leader");
    assert!(me["roles"][0]["scope"]["building_id"].is_i64(), "{me}");
    assert_eq!(me["roles"][0]["term"]["from"], "2026-01-01");
    let gone = app
        .req(axum::http::Method::DELETE, "/api/v1/auth/token")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let after = app.get("/api/v1/me").bearer(&token).send().await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        after.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let street = app.token("street").await;
    let me = app.get("/api/v1/me").bearer(&street).send().await.json();
    assert!(me["roles"][0]["scope"]["street_id"].is_i64(), "{me}");
    let bad = app
        .post("/api/v1/auth/token")
        .json(&json!({"username": "street", "password": "nope-nope-nope"}))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bad.json()["detail"],
        "用户名或密码错误；已开通两步验证的账号还须填写当前的动态验证码。"
    );
});

both!(
    two_factor_login_and_its_requirement_for_admins,
    |app: TestApp| async move {
        use zizhi::auth::totp;
        // A worker turns two-factor login on: the password alone no longer signs in.
        let secret = totp::new_secret();
        // Stored encrypted with the chain key, as `zizhi user totp` stores it.
        let stored = totp::seal_secret(&secret).unwrap();
        assert!(!stored.contains(&secret), "{stored}");
        app.exec(&format!(
            "UPDATE users SET totp_secret = '{stored}' WHERE username = 'worker'"
        ))
        .await;
        let token = |code: Option<String>| {
            let mut body = json!({"username": "worker", "password": "zizhi-demo"});
            if let Some(c) = code {
                body["code"] = json!(c);
            }
            app.post("/api/v1/auth/token")
                .ip("10.9.0.1")
                .json(&body)
                .send()
        };
        // The right password without the code answers exactly as a wrong password does.
        let bare = token(None).await;
        let wrong_password = app
            .post("/api/v1/auth/token")
            .ip("10.9.0.1")
            .json(&json!({"username": "worker", "password": "not-the-password"}))
            .send()
            .await;
        assert_eq!(bare.status, StatusCode::UNAUTHORIZED);
        assert_eq!(bare.body, wrong_password.body);
        assert_eq!(bare.json()["code"], "login.failed");
        let wrong = token(Some("000000".into())).await;
        assert_eq!(wrong.body, wrong_password.body);
        let now = totp::now_unix();
        let good = token(totp::current(&secret, now)).await;
        assert_eq!(good.status, StatusCode::OK, "{}", good.text());
        // A code works once: the same one again (seen over a shoulder, replayed) is refused.
        let replay = token(totp::current(&secret, now)).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
        assert_eq!(replay.body, wrong_password.body);
        // And so is the one before it.
        let earlier = token(totp::current(&secret, now - 30)).await;
        assert_eq!(earlier.status, StatusCode::UNAUTHORIZED);

        // The login page takes the code in its own field.
        let mut b = Browser::default();
        let page = app.get("/login").browser(&b).send().await;
        b.absorb(&page);
        assert_eq!(page.select("label[for=code]"), vec!["动态验证码"]);
        let csrf = page.csrf().unwrap();
        // The next step's code (one step of skew is allowed), not yet used.
        let code = totp::current(&secret, now + 30).unwrap();
        let res = app
            .post("/login")
            .browser(&b)
            .ip("10.9.0.2")
            .form(&[
                ("_csrf", csrf.as_str()),
                ("username", "worker"),
                ("password", "zizhi-demo"),
                ("code", code.as_str()),
                ("next", "/"),
            ])
            .send()
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());

        // An admin account that is not a demo account must have it on.
        app.exec("UPDATE users SET totp_exempt = 0 WHERE username = 'auditor'")
            .await;
        let refused = app
            .post("/api/v1/auth/token")
            .ip("10.9.0.3")
            .json(&json!({"username": "auditor", "password": "zizhi-demo"}))
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["code"], "login.totp_required");
        // A non-admin role without it still signs in.
        app.exec("UPDATE users SET totp_exempt = 0 WHERE username = 'head'")
            .await;
        app.token("head").await;
        // Each refusal is on the audit log with its reason.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND detail = 'login.totp'")
                .await,
            4,
            "no code, a wrong one, a replayed one, an earlier one"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND detail = 'login.totp_required'")
                .await,
            1
        );
    }
);

both!(next_takes_only_a_local_path, |app: TestApp| async move {
    // On GET (already signed in: straight to `next`) and on POST (after the password).
    let b = app.login("head").await;
    for (bad, what) in [
        ("%2F%2Fevil.example", "//host"),
        ("https%3A%2F%2Fevil.example", "another site"),
        ("%2F%5Cevil.example", "a backslash"),
        ("%2F%0D%0ASet-Cookie%3A%20x%3D1", "CR/LF"),
        ("%2F%09%2Fevil.example", "a tab"),
        ("%2F%20%2Fevil.example", "a space"),
    ] {
        let res = app
            .get(&format!("/login?next={bad}"))
            .browser(&b)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}: {}", res.text());
        assert_eq!(res.header("location").as_deref(), Some("/"), "{what}");
    }
    let mut fresh = Browser::default();
    let page = app.get("/login").browser(&fresh).send().await;
    fresh.absorb(&page);
    let csrf = page.csrf().unwrap();
    let res = app
        .post("/login")
        .browser(&fresh)
        .ip("10.1.9.1")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "worker"),
            ("password", zizhi::demo::DEMO_PASSWORD),
            ("next", "/\r\n//evil.example"),
        ])
        .send()
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    assert_eq!(res.header("location").as_deref(), Some("/"));
    let ok = app
        .get("/login?next=%2Fcases%3Fstatus%3Dopen")
        .browser(&b)
        .send()
        .await;
    assert_eq!(ok.header("location").as_deref(), Some("/cases?status=open"));
});

both!(
    totp_secrets_are_stored_encrypted_with_the_chain_key,
    |app: TestApp| async move {
        use zizhi::auth::totp;
        // A secret written into the database by hand, in the clear: it signs nobody in.
        let secret = totp::new_secret();
        app.exec(&format!(
            "UPDATE users SET totp_secret = '{secret}' WHERE username = 'worker'"
        ))
        .await;
        let token = |code: Option<String>, ip: &'static str| {
            app.post("/api/v1/auth/token")
                .ip(ip)
                .json(&json!({"username": "worker", "password": "zizhi-demo", "code": code}))
                .send()
        };
        let now = totp::now_unix();
        let clear = token(totp::current(&secret, now), "10.9.1.1").await;
        assert_eq!(clear.status, StatusCode::UNAUTHORIZED, "{}", clear.text());
        // What a start does with secrets from before encryption: encrypts them in place.
        assert_eq!(totp::encrypt_stored(&app.db).await.unwrap(), 1);
        assert_eq!(totp::encrypt_stored(&app.db).await.unwrap(), 0, "once");
        let stored: String =
            sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'worker'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert!(
            stored.starts_with("v1:") && !stored.contains(&secret),
            "{stored}"
        );
        let good = token(totp::current(&secret, now + 30), "10.9.1.2").await;
        assert_eq!(good.status, StatusCode::OK, "{}", good.text());
    }
);
