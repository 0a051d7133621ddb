//! A page form that comes back refused: which form of the page (a page can hold several, e.g. an
//! aid plan's action and its review), the field the error belongs to, and the message in the
//! reader's language. Templates show the message next to its field with
//! `{% call forms::error(refused, "patrol", "route") %}` (`templates/forms.html`), or at the top
//! of the form when it belongs to none of the fields shown.

use askama::Template;
use axum::response::Response;

use super::error::AppError;
use super::i18n::{Lang, tf};

#[derive(Clone, Default, Debug)]
pub struct Refused {
    pub form: String,
    pub field: String,
    pub message: String,
}

impl Refused {
    pub fn of(lang: Lang, form: &str, e: Option<&AppError>) -> Self {
        match e {
            None => Refused::default(),
            Some(e) => Refused {
                form: form.to_owned(),
                field: e.field.clone().unwrap_or_default(),
                message: tf(lang, e.key, &e.args),
            },
        }
    }
    /// The error is this form's, on this field (or a part of it: `findings[0].description`
    /// belongs to `findings`).
    pub fn at(&self, form: &str, field: &str) -> bool {
        !self.message.is_empty()
            && self.form == form
            && (self.field == field
                || self
                    .field
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with(['[', '.'])))
    }
    /// The error is this form's but belongs to none of `fields`: it is said at the form's top.
    pub fn top<'a, F: AsRef<[&'a str]>>(&self, form: &str, fields: &F) -> bool {
        !self.message.is_empty()
            && self.form == form
            && !fields.as_ref().iter().any(|f| self.at(form, f))
    }
}

/// What was typed in the one form of a page that came back refused, so that each form of the
/// page shows its own values again and every other form its defaults.
#[derive(Clone, Default, Debug)]
pub struct Typed {
    pub form: String,
    pub fields: Vec<(String, String)>,
}

impl Typed {
    pub fn of(form: impl Into<String>, fields: &super::input::Fields) -> Self {
        Typed {
            form: form.into(),
            fields: fields.0.clone(),
        }
    }
    /// A refused form's typed values and its error; for a page shown afresh, neither.
    pub fn split(refused: Option<(Typed, &AppError)>) -> (Typed, Option<&AppError>) {
        match refused {
            Some((t, e)) => (t, Some(e)),
            None => (Typed::default(), None),
        }
    }

    /// The value typed in `field` of `form` when that form came back, else `default`.
    pub fn v(&self, form: &str, field: &str, default: &str) -> String {
        if self.form == form {
            self.fields
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        } else {
            default.to_owned()
        }
    }
    /// Whether a checkbox of `form` is ticked: as sent when that form came back, else `default`.
    pub fn ticked(&self, form: &str, field: &str, default: &bool) -> bool {
        if self.form == form {
            self.fields.iter().any(|(k, _)| k == field)
        } else {
            *default
        }
    }
}

/// Renders a page, answering with the error's status when it comes back refused.
pub fn again<T: Template>(t: &T, err: Option<&AppError>) -> Result<Response, AppError> {
    let mut res = super::web::page(t)?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_sits_by_its_field_of_its_form() {
        let e = AppError::invalid("findings[1].description", "input.required");
        let r = Refused::of(Lang::ZhCn, "patrol", Some(&e));
        assert!(r.at("patrol", "findings"));
        assert!(!r.at("patrol", "find"));
        assert!(!r.at("meeting", "findings"));
        assert!(!r.top("patrol", &["findings", "route"].as_slice()));
        assert!(r.top("patrol", &["route"].as_slice()));
        assert!(!Refused::default().at("patrol", ""));
    }

    #[test]
    fn typed_values_come_back_in_their_own_form_only() {
        let f = super::super::input::Fields(vec![("name".into(), "锦绣新城".into())]);
        let t = Typed::of("compound-1", &f);
        assert_eq!(t.v("compound-1", "name", "x"), "锦绣新城");
        assert_eq!(t.v("compound-1", "homes", "x"), "");
        assert_eq!(t.v("compound-2", "name", "x"), "x");
        assert!(!t.ticked("compound-1", "in_custody", &true));
        assert!(t.ticked("compound-2", "in_custody", &true));
    }
}
