//! Micro-benchmarks of the hot paths every request or deadline goes through, to catch
//! regressions: working-day arithmetic, the policy check, page rendering and hash chaining.
//! `cargo bench --bench hot_paths` (criterion keeps the last run in target/criterion and
//! reports the change against it).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use zizhi::audit::{Hashed, entry_hash};
use zizhi::auth::{Action, Ctx, Grant, Place, Role, Scope, Target, User, Via};
use zizhi::cases::list::CaseQuery;
use zizhi::cases::store::Case;
use zizhi::platform::calendar::Calendar;
use zizhi::platform::i18n::Lang;

fn working_days(c: &mut Criterion) {
    let cal = Calendar::builtin();
    // Across the National Day week and its adjusted working Saturday.
    c.bench_function("calendar/add_15_working_days", |b| {
        b.iter(|| cal.add_working_days(black_box(date(2026, 9, 25)), black_box(15)))
    });
    c.bench_function("calendar/working_days_in_a_year", |b| {
        b.iter(|| {
            cal.working_days_between(black_box(date(2026, 1, 1)), black_box(date(2026, 12, 31)))
        })
    });
}

/// A community worker who is also a council member: two grants, as many staff have.
fn worker() -> Ctx {
    let grant = |id, role, scope| Grant {
        id,
        role,
        scope,
        valid_from: date(2026, 1, 1),
        valid_to: None,
    };
    Ctx {
        user: Some(User {
            id: 5,
            username: "worker".into(),
            display_name: "社区工作者 王芳".into(),
            password_hash: String::new(),
            resident_id: None,
            disabled: false,
            totp_secret: None,
            totp_last_step: None,
            totp_exempt: false,
            password_changed_at: "2026-01-01T00:00:00Z".into(),
        }),
        grants: vec![
            grant(1, Role::CouncilMember, Scope::Community(1)),
            grant(2, Role::CommunityWorker, Scope::Community(1)),
        ],
        lang: Lang::ZhCn,
        big: false,
        ip: "127.0.0.1".into(),
        via: Via::Anonymous,
        csrf: "x".repeat(43),
        path: "/cases".into(),
        flash: None,
    }
}

fn policy(c: &mut Criterion) {
    let ctx = worker();
    let here = Place {
        street_id: Some(1),
        community_id: Some(1),
        building_id: Some(7),
    };
    let elsewhere = Place {
        community_id: Some(2),
        ..here
    };
    c.bench_function("policy/require_allowed", |b| {
        b.iter(|| {
            ctx.require(black_box(Action::CaseHandle), black_box(Target::At(here)))
                .is_ok()
        })
    });
    c.bench_function("policy/require_refused", |b| {
        b.iter(|| {
            ctx.require(
                black_box(Action::CaseHandle),
                black_box(Target::At(elsewhere)),
            )
            .is_ok()
        })
    });
    c.bench_function("policy/scopes", |b| {
        b.iter(|| ctx.scopes(black_box(Action::CaseRead)))
    });
}

fn case(i: i64) -> Case {
    Case {
        id: 200_000 - i,
        street_id: 1,
        community_id: 1,
        building_id: Some(3),
        category: "repairs".into(),
        sensitive: i % 7 == 0,
        channel: "web".into(),
        status: zizhi::cases::model::CaseStatus::InProgress,
        description: format!("3号楼2单元楼道灯不亮，晚上上下楼很不方便，请尽快修理（第{i}件）"),
        address: "三角线小区3号楼2单元".into(),
        submitter_user_id: Some(9),
        contact_name: "李明".into(),
        contact_phone: "13812345678".into(),
        tracking_code: "ZZ7K3M9Q".into(),
        assignee_user_id: Some(5),
        deadline: "2026-12-03T09:00:00Z".into(),
        deadline_uncovered_year: None,
        position: None,
        reply: String::new(),
        reject_reason: String::new(),
        reopen_count: 0,
        satisfied: None,
        feedback: String::new(),
        supervised_at: None,
        supervision_reason: String::new(),
        public_note: None,
        created_at: zizhi::platform::time::Instant("2026-11-26T01:02:03Z".parse().unwrap()),
        updated_at: "2026-11-27T01:02:03Z".into(),
        redacted: false,
    }
}

fn rendering(c: &mut Criterion) {
    let ctx = worker();
    let items: Vec<Case> = (0..25).map(case).collect();
    let q = CaseQuery {
        status: Some("in_progress".into()),
        ..Default::default()
    };
    c.bench_function("render/case_list_25_rows", |b| {
        b.iter(|| {
            zizhi::cases::web::list_html(&ctx, black_box(&items), 1234, &q, vec![], vec![]).unwrap()
        })
    });
    // The masking layer on the same page: every answer passes through it.
    let page = zizhi::cases::web::list_html(&ctx, &items, 1234, &q, vec![], vec![]).unwrap();
    let with_phones: String = page.replace("请尽快修理", "请尽快修理，电话 139 1234 5678");
    c.bench_function("pii/mask_case_list_page_clean", |b| {
        b.iter(|| zizhi::platform::pii::mask_bytes(black_box(page.as_bytes())))
    });
    c.bench_function("pii/mask_case_list_page_25_phones", |b| {
        b.iter(|| zizhi::platform::pii::mask_bytes(black_box(with_phones.as_bytes())))
    });
}

fn chaining(c: &mut Criterion) {
    let prev = "0".repeat(64);
    c.bench_function("audit/entry_hash", |b| {
        b.iter(|| {
            entry_hash(black_box(&Hashed {
                seq: 123_456,
                at: "2026-11-29T01:02:03.456Z",
                actor_id: Some(5),
                actor: "worker",
                role: "community_worker",
                action: "case.read",
                object_type: "case_list",
                object_id: "",
                place: Place {
                    street_id: Some(1),
                    community_id: Some(1),
                    building_id: None,
                },
                result: "ok",
                ip: "127.0.0.1",
                sensitive: true,
                detail: "n=25",
                prev_hash: &prev,
            }))
        })
    });
    // What an append adds for the seals (issue 18): the head's seal checked, the entry's and the
    // new head's made.
    let key = zizhi::platform::chain_key::ChainKey::from_hex(&"5a".repeat(32)).unwrap();
    let head = key.mac("zizhi-audit-head-v1", &["123455", &prev]);
    c.bench_function("audit/seals_per_append", |b| {
        b.iter(|| {
            assert!(key.holds(
                Some(&head),
                "zizhi-audit-head-v1",
                &["123455", black_box(&prev)]
            ));
            black_box(key.mac("zizhi-audit-entry-v1", &[&prev]));
            black_box(key.mac("zizhi-audit-head-v1", &["123456", &prev]))
        })
    });
}

criterion_group!(hot_paths, working_days, policy, rendering, chaining);
criterion_main!(hot_paths);
