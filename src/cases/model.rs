//! A case's states and the transitions between them (DESIGN.md §3): every case is answered; a
//! rejection needs a reason and counts as the answer; a case closes only after a reply.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const STATUSES: &[&str] = &[
    "submitted",
    "accepted",
    "assigned",
    "in_progress",
    "replied",
    "closed",
    "rejected",
    "reopened",
];

/// Statuses in which the committee still owes an answer.
pub const OPEN: &[&str] = &[
    "submitted",
    "accepted",
    "assigned",
    "in_progress",
    "reopened",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Accept,
    Assign,
    Start,
    Reply,
    Close,
    Reject,
    Reopen,
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::Assign => "assign",
            Transition::Start => "start",
            Transition::Reply => "reply",
            Transition::Close => "close",
            Transition::Reject => "reject",
            Transition::Reopen => "reopen",
        }
    }

    /// The status a transition leads to from `from`, or `None` where it is not allowed.
    pub fn next(self, from: &str, reopen_count: i64) -> Option<&'static str> {
        use Transition as T;
        let to = match (self, from) {
            (T::Accept, "submitted" | "reopened") => "accepted",
            (T::Assign, "accepted" | "assigned" | "in_progress" | "reopened") => "assigned",
            (T::Start, "accepted" | "assigned") => "in_progress",
            (T::Reply, "accepted" | "assigned" | "in_progress" | "reopened") => "replied",
            (T::Close, "replied") => "closed",
            (T::Reject, "submitted" | "accepted" | "assigned" | "in_progress") => "rejected",
            (T::Reopen, "closed" | "rejected") if reopen_count < 1 => "reopened",
            _ => return None,
        };
        Some(to)
    }
}

/// A short note on a case's progress that anyone holding its tracking code (or an Open311
/// client without the community's key) may read. Staff choose it from this list, so it can hold
/// no name, phone or address: the reply itself goes only to the submitter and staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicNote {
    /// 已收到，正在核实
    Verifying,
    /// 已安排人员上门查看
    OnSite,
    /// 已转交相关单位办理
    Referred,
    /// 已列入维修或工作计划
    Scheduled,
    /// 需要补充情况，请与居委会联系
    NeedsInfo,
    /// 问题已处理完毕
    Resolved,
    /// 不属于社区职责，已告知办理渠道
    NotOurs,
}

impl PublicNote {
    pub const ALL: [PublicNote; 7] = [
        PublicNote::Verifying,
        PublicNote::OnSite,
        PublicNote::Referred,
        PublicNote::Scheduled,
        PublicNote::NeedsInfo,
        PublicNote::Resolved,
        PublicNote::NotOurs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicNote::Verifying => "verifying",
            PublicNote::OnSite => "on_site",
            PublicNote::Referred => "referred",
            PublicNote::Scheduled => "scheduled",
            PublicNote::NeedsInfo => "needs_info",
            PublicNote::Resolved => "resolved",
            PublicNote::NotOurs => "not_ours",
        }
    }

    /// The stored value back (`None` for an empty or unknown one).
    pub fn parse(s: &str) -> Option<PublicNote> {
        PublicNote::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

/// A tracking code: 12 characters from an alphabet without look-alikes, grouped by four.
pub fn tracking_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes: [u8; 12] = rand::random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::Transition as T;

    #[test]
    fn the_lifecycle() {
        assert_eq!(T::Accept.next("submitted", 0), Some("accepted"));
        assert_eq!(
            T::Close.next("in_progress", 0),
            None,
            "no closing without a reply"
        );
        assert_eq!(T::Close.next("replied", 0), Some("closed"));
        assert_eq!(T::Reply.next("submitted", 0), None, "accept first");
        assert_eq!(T::Reject.next("closed", 0), None);
        assert_eq!(T::Reopen.next("closed", 0), Some("reopened"));
        assert_eq!(T::Reopen.next("closed", 1), None, "once");
        assert_eq!(T::Accept.next("reopened", 1), Some("accepted"));
    }

    #[test]
    fn tracking_codes_look_right() {
        let c = super::tracking_code();
        assert_eq!(c.len(), 14);
        assert!(
            c.chars()
                .all(|ch| ch == '-' || ch.is_ascii_uppercase() || ch.is_ascii_digit())
        );
        assert!(!c.contains('0') && !c.contains('O') && !c.contains('1') && !c.contains('I'));
    }
}
