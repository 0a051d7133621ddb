//! 操作提示: after a form, the page it leads to says what changed ("已受理诉求 #386"). The
//! message rides a short-lived cookie on the redirect, so it reads without JavaScript, survives
//! the redirect and shows once: the next page that is not itself a redirect clears it.
//!
//! Only messages from a catalog's `done` sections can be carried (`cases.done.accept`), with
//! their arguments as text (escaped like all page text), so a forged cookie can at most show one
//! of our own confirmations.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::AppState;
use super::i18n::{Lang, catalog, tf};
use super::web::cookie_header;

pub const COOKIE: &str = "zz_flash";

/// A confirmation to show on the next page: a catalog key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    key: String,
    args: Vec<(String, String)>,
}

impl Flash {
    fn encode(&self) -> String {
        let mut pairs = vec![("k", self.key.as_str())];
        pairs.extend(self.args.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// A cookie's value back into a flash, if it names one of the catalog's confirmations.
    fn decode(value: &str) -> Option<Flash> {
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(value).ok()?;
        if pairs.first().is_none_or(|(k, _)| k != "k") {
            return None;
        }
        let key = pairs.remove(0).1;
        let confirmation = key.split('.').nth(1) == Some("done");
        (confirmation && catalog(Lang::ZhCn).contains_key(&key))
            .then_some(Flash { key, args: pairs })
    }

    /// The message in the reader's language.
    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(n, v)| (n.as_str(), v.clone()))
            .collect();
        tf(lang, &self.key, &args)
    }
}

/// The flash the request arrived with (for the page shell).
#[derive(Clone, Debug)]
pub struct Shown(pub Flash);

/// A page form's success: a redirect (303) to `to`, whose page confirms what changed.
#[must_use]
pub struct Done {
    to: String,
    flash: Flash,
}

impl Done {
    /// `key` is a confirmation in the area's catalog, such as `cases.done.accept`.
    pub fn to(to: impl Into<String>, key: &'static str) -> Done {
        debug_assert!(key.split('.').nth(1) == Some("done"), "{key}");
        Done {
            to: to.into(),
            flash: Flash {
                key: key.to_owned(),
                args: vec![],
            },
        }
    }

    /// Fills `{name}` in the message.
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Done {
        self.flash.args.push((name.to_owned(), value.to_string()));
        self
    }
}

impl IntoResponse for Done {
    fn into_response(self) -> Response {
        let mut res = Redirect::to(&self.to).into_response();
        res.extensions_mut().insert(self.flash);
        res
    }
}

/// Middleware: hands the arriving flash to the page and clears it once shown; sets the cookie
/// for a response that carries a new one.
pub async fn carry(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let arrived = jar.get(COOKIE).is_some();
    if let Some(f) = jar.get(COOKIE).and_then(|c| Flash::decode(c.value())) {
        req.extensions_mut().insert(Shown(f));
    }
    let mut res = next.run(req).await;
    let secure = state.config.https();
    if let Some(f) = res.extensions_mut().remove::<Flash>() {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie_header(COOKIE, f.encode(), secure, Some(60)),
        );
    } else if arrived && !res.status().is_redirection() {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie_header(COOKIE, String::new(), secure, Some(0)),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_round_trips_and_anything_else_is_dropped() {
        let f = Flash {
            key: "common.done.saved".into(),
            args: vec![("what".into(), "楼栋长".into())],
        };
        assert_eq!(Flash::decode(&f.encode()), Some(f.clone()));
        assert_eq!(f.text(Lang::ZhCn), "已保存：楼栋长");
        // Not a confirmation, not in the catalog, not ours at all.
        for bad in ["k=error.not_found", "k=cases.done.nothing", "x=1", "%%%"] {
            assert_eq!(Flash::decode(bad), None, "{bad}");
        }
    }
}
