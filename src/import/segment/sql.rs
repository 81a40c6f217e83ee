//! Compiling a [`Segment`] to a SQL condition over `contact c` left-joined to `company co`,
//! with every value a bound parameter (`$n`, valid on both backends).

use super::{Field, Segment};
use crate::store::{Arg, Backend};

/// A `where` condition and its parameters, numbered from the `first` given to [`compile`].
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The condition (never holds a value).
    pub sql: String,
    /// Bind values, in parameter order.
    pub args: Vec<Arg>,
}

struct Out {
    args: Vec<Arg>,
    first: usize,
    backend: Backend,
}

impl Out {
    /// Binds `value`; returns its placeholder.
    fn bind(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.first + self.args.len() - 1)
    }
}

/// Compiles `segment` for `backend`, numbering parameters from `$first`.
#[must_use]
pub fn compile(segment: &Segment, backend: Backend, first: usize) -> Compiled {
    let mut out = Out {
        args: Vec::new(),
        first,
        backend,
    };
    let sql = node(segment, &mut out);
    Compiled {
        sql,
        args: out.args,
    }
}

fn node(segment: &Segment, out: &mut Out) -> String {
    match segment {
        Segment::And(a, b) => format!("({} and {})", node(a, out), node(b, out)),
        Segment::Or(a, b) => format!("({} or {})", node(a, out), node(b, out)),
        Segment::Not(inner) => format!("(not {})", node(inner, out)),
        Segment::IsSet(field) => is_set(field, out),
        Segment::In(field, values) => {
            let mut alternatives: Vec<String> =
                values.iter().map(|v| equals(field, v, out)).collect();
            if alternatives.len() == 1 {
                return alternatives.remove(0);
            }
            format!("({})", alternatives.join(" or "))
        }
    }
}

/// A condition that is true or false, never NULL, so that `not` is its exact negation.
fn equals(field: &Field, value: &str, out: &mut Out) -> String {
    let ci = |column: &str, out: &mut Out| {
        let p = out.bind(Arg::text(&value.to_lowercase()));
        format!("({column} is not null and lower({column}) = {p})")
    };
    let exact = |column: &str, out: &mut Out| {
        let p = out.bind(Arg::text(value));
        format!("({column} is not null and {column} = {p})")
    };
    match field {
        Field::Tag => {
            let p = out.bind(Arg::text(&value.to_lowercase()));
            match out.backend {
                Backend::Sqlite => format!(
                    "(exists (select 1 from json_each(c.tags) t where lower(t.value) = {p}))"
                ),
                Backend::Postgres => format!(
                    "(exists (select 1 from jsonb_array_elements_text(c.tags) t(value) where lower(t.value) = {p}))"
                ),
            }
        }
        Field::Language => ci("c.language", out),
        Field::State => exact("c.state", out),
        Field::CompanyId => exact("co.external_id", out),
        Field::CompanyDomain => ci("co.domain", out),
        Field::CompanyName => ci("co.name", out),
        Field::CompanyStage => exact("co.customer_stage", out),
        Field::Criterion(code) => {
            let key = out.bind(Arg::text(code));
            let p = out.bind(Arg::text(value));
            format!("(coalesce((c.criteria ->> {key}) = {p}, false))")
        }
        Field::Authorization(name) => {
            // `->` gives the JSON text of the value on both backends (`true` / `false`),
            // where `->>` would give 1/0 on SQLite and 'true'/'false' on PostgreSQL.
            let key = out.bind(Arg::text(name));
            let p = out.bind(Arg::text(value));
            format!("(coalesce(cast((c.authorizations -> {key}) as text) = {p}, false))")
        }
    }
}

fn is_set(field: &Field, out: &mut Out) -> String {
    match field {
        Field::Language => "(c.language is not null)".to_owned(),
        Field::CompanyId => "(co.external_id is not null)".to_owned(),
        Field::CompanyDomain => "(co.domain is not null)".to_owned(),
        Field::CompanyName => "(co.name is not null)".to_owned(),
        Field::CompanyStage => "(co.customer_stage is not null)".to_owned(),
        Field::Criterion(code) => {
            let key = out.bind(Arg::text(code));
            format!("((c.criteria ->> {key}) is not null)")
        }
        Field::Authorization(name) => {
            let key = out.bind(Arg::text(name));
            format!("((c.authorizations -> {key}) is not null)")
        }
        // The parser refuses `is set` on these; a contact always has a state.
        Field::Tag | Field::State => "(1 = 1)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::segment::parse;

    #[test]
    fn values_are_bound_never_interpolated() {
        let s = parse(r#"company.name = "x'); drop table contact; --" or criterion.SECTOR = IT"#)
            .expect("parses");
        let c = compile(&s, Backend::Sqlite, 3);
        assert!(!c.sql.contains("drop"), "{}", c.sql);
        assert!(!c.sql.contains("SECTOR"), "{}", c.sql);
        assert_eq!(
            c.sql,
            "((co.name is not null and lower(co.name) = $3) or (coalesce((c.criteria ->> $4) = $5, false)))"
        );
        assert_eq!(
            c.args,
            [
                Arg::text("x'); drop table contact; --"),
                Arg::text("SECTOR"),
                Arg::text("IT")
            ]
        );
    }

    #[test]
    fn tags_differ_per_backend_and_lists_become_alternatives() {
        let s = parse("tag in (VIP, Key)").expect("parses");
        let lite = compile(&s, Backend::Sqlite, 1);
        assert!(lite.sql.contains("json_each(c.tags)"), "{}", lite.sql);
        assert_eq!(lite.args, [Arg::text("vip"), Arg::text("key")]);
        let pg = compile(&s, Backend::Postgres, 1);
        assert!(
            pg.sql.contains("jsonb_array_elements_text(c.tags)"),
            "{}",
            pg.sql
        );
        assert!(pg.sql.contains(" or "), "{}", pg.sql);
    }
}
