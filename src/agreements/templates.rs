//! The four agreement templates (M20) and the obligations each starts with, on both sides.

/// The templates and their default obligations: (household's, committee's).
pub fn template(
    code: &str,
) -> Option<(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
)> {
    Some(match code {
        "family_planning" => (
            "计划生育协议书",
            &["按政策生育，落实避孕节育措施", "如实申报人口信息及变动"],
            &[
                "提供政策咨询和生殖健康服务",
                "按规定兑现奖励扶助",
                "保护家庭个人信息不外泄",
            ],
        ),
        "frontage" => (
            "门前三包责任书",
            &[
                "门前卫生：每日清扫，不乱倒垃圾",
                "门前秩序：不乱摆摊点、不乱堆放",
                "门前绿化：爱护花草树木",
            ],
            &["提供保洁工具并每日清运垃圾", "每月检查一次并反馈结果"],
        ),
        "dogs" => (
            "文明养犬协议书",
            &["犬只依法登记并按时免疫", "出户束犬链，及时清理粪便"],
            &["每年组织免疫登记服务", "三个工作日内处理养犬扰民投诉"],
        ),
        "parking" => (
            "停车管理协议书",
            &["在划定车位停放车辆", "不占用消防通道和盲道"],
            &["维护车位标线与照明", "车位分配公开公平并公示"],
        ),
        _ => return None,
    })
}

pub const TEMPLATES: &[&str] = &["family_planning", "frontage", "dogs", "parking"];
