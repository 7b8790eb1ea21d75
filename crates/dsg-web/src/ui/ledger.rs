//! `/compartments/{cid}/ledger`: the inventory of protected information
//! (目録) of a compartment, printable (the print stylesheet drops forms
//! and navigation) and as CSV (every cell escaped against formulas); the
//! forms that enter paper and media, record returns and destruction,
//! permit carrying out and check another's entry. What each row offers
//! comes from the policy point.

use axum::extract::Path;
use axum::response::Response;
use axum::Form;
use dsg_app::{
    LedgerDetails, LedgerEventInput, LedgerEventView, LedgerItemView, LedgerPermitInput,
    NewLedgerItemInput,
};
use dsg_core::{LedgerEventKind, LedgerItemKind, LedgerState};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, error_page, ok, page_in, Marked};
use super::notice::{done, Notice};
use super::{Lang, Text};
use crate::http::access_review::{csv_bytes, csv_response};
use crate::http::context::Ctx;

fn word(lang: Lang, (ja, en): (&'static str, &'static str)) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn kind_words(kind: LedgerItemKind) -> (&'static str, &'static str) {
    match kind {
        LedgerItemKind::FileVersion => ("ファイルの版", "File version"),
        LedgerItemKind::Copy => ("複製（端末）", "Copy (terminal)"),
        LedgerItemKind::Paper => ("紙の文書", "Paper document"),
        LedgerItemKind::Medium => ("可搬記憶媒体", "Removable medium"),
    }
}

fn state_words(state: LedgerState) -> (&'static str, &'static str) {
    match state {
        LedgerState::Held => ("保管中", "Held"),
        LedgerState::Out => ("持出し・送付中", "Out"),
        LedgerState::Closing => ("確認待ち", "Awaiting check"),
        LedgerState::Closed => ("完了", "Closed"),
    }
}

fn event_words(kind: LedgerEventKind) -> (&'static str, &'static str) {
    match kind {
        LedgerEventKind::Receipt => ("受領", "Receipt"),
        LedgerEventKind::Creation => ("作成", "Creation"),
        LedgerEventKind::Copy => ("複製", "Copy"),
        LedgerEventKind::Permission => ("持出し・送付の許可", "Permission"),
        LedgerEventKind::CarryOut => ("持出し", "Carried out"),
        LedgerEventKind::Sending => ("送付", "Sent"),
        LedgerEventKind::Return => ("返却", "Returned"),
        LedgerEventKind::Submission => ("提出", "Submitted"),
        LedgerEventKind::Disposal => ("廃棄", "Disposed of"),
        LedgerEventKind::Check => ("確認", "Checked"),
    }
}

/// Who, where and the free text of an event, as one line each.
fn who(e: &LedgerEventView) -> String {
    let name = e.row.actor_name.clone().unwrap_or_default();
    match &e.details.department {
        Some(d) => format!("{name}（{d}）"),
        None => name,
    }
}

fn place(e: &LedgerEventView) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &e.row.terminal_name {
        parts.push(t.clone());
    }
    if let Some(s) = &e.row.site {
        parts.push(s.clone());
    }
    if let Some(p) = &e.details.place {
        parts.push(p.clone());
    }
    parts.join(" / ")
}

fn note(e: &LedgerEventView) -> String {
    let d = &e.details;
    let mut parts = Vec::new();
    if let Some(m) = e.row.method {
        parts.push(m.as_str().to_owned());
    }
    for text in [&d.recipient, &d.container, &d.note].into_iter().flatten() {
        parts.push(text.clone());
    }
    parts.join(" / ")
}

fn item_forms(ctx: &Ctx, cid: &str, item: &LedgerItemView) -> Markup {
    let lang = ctx.lang;
    let id = item.row.id;
    let base = format!("/compartments/{cid}/ledger/items/{id}");
    let by_hand: Vec<LedgerEventKind> = [
        LedgerEventKind::CarryOut,
        LedgerEventKind::Sending,
        LedgerEventKind::Return,
        LedgerEventKind::Submission,
        LedgerEventKind::Disposal,
    ]
    .into_iter()
    .filter(|k| k.by_hand_on(item.row.kind) && item.row.state.after(item.row.kind, *k).is_ok())
    // A copy's return or destruction is its holder's to record.
    .filter(|k| {
        item.row.kind != LedgerItemKind::Copy
            || !matches!(k, LedgerEventKind::Return | LedgerEventKind::Disposal)
            || item.row.holder == ctx.caller.user_id()
    })
    .collect();
    let permissions: Vec<&LedgerEventView> = item
        .events
        .iter()
        .filter(|e| e.row.kind == LedgerEventKind::Permission && e.row.used_by.is_none())
        .collect();
    html! {
        @if !by_hand.is_empty() {
            form method="post" action={ (base) "/events" } class="ledger-event" {
                (csrf_field(ctx))
                select name="kind" aria-label=(lang.t(Text::LedgerKind)) {
                    @for k in &by_hand { option value=(k.as_str()) { (word(lang, event_words(*k))) } }
                }
                @if !permissions.is_empty() {
                    select name="permission_id" aria-label=(lang.t(Text::LedgerPermission)) {
                        option value="" { "—" }
                        @for p in &permissions { option value=(p.row.id) { (note(p)) } }
                    }
                }
                input type="text" name="department" maxlength="200" placeholder=(lang.t(Text::LedgerDepartment));
                button type="submit" { (lang.t(Text::LedgerRecordEvent)) }
            }
        }
        @if item.checkable {
            form method="post" action={ (base) "/check" } class="ledger-check" {
                (csrf_field(ctx))
                button type="submit" { (lang.t(Text::LedgerCheck)) }
            }
        }
        @if item.permittable {
            details {
                summary { (lang.t(Text::LedgerPermit)) }
                form method="post" action={ (base) "/permissions" } class="ledger-permit" {
                    (csrf_field(ctx))
                    select name="act" aria-label=(lang.t(Text::LedgerKind)) {
                        option value="carry_out" { (word(lang, event_words(LedgerEventKind::CarryOut))) }
                        option value="sending" { (word(lang, event_words(LedgerEventKind::Sending))) }
                    }
                    label { (lang.t(Text::LedgerPerson)) input type="text" name="person" required; }
                    label { (lang.t(Text::LedgerMethod))
                        select name="method" {
                            option value="hand_delivery" { (word(lang, ("手交", "Hand delivery"))) }
                            option value="registered_mail" { (word(lang, ("書留", "Registered mail"))) }
                        }
                    }
                    label { (lang.t(Text::LedgerRecipient)) input type="text" name="recipient" required maxlength="200"; }
                    label { (lang.t(Text::LedgerContainer)) input type="text" name="container" required maxlength="200"; }
                    button type="submit" { (lang.t(Text::LedgerPermit)) }
                }
            }
        }
    }
}

/// `GET /compartments/{cid}/ledger`
pub(super) async fn page(ctx: Ctx, Path(cid): Path<String>) -> Response {
    let lang = ctx.lang;
    let view = match ctx.app.ledger(&ctx.meta, &ctx.caller, &cid).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let cid = view.compartment_id.to_string();
    let back = format!("/compartments/{cid}");
    let zone = ctx.zone();
    let body = html! {
        p class="help" { (lang.t(Text::LedgerHelp)) }
        p class="ledger-actions" {
            a class="button" href={ "/compartments/" (cid) "/ledger.csv" } { (lang.t(Text::LedgerCsv)) }
            " "
            button type="button" class="secondary print" data-print="true" { (lang.t(Text::LedgerPrint)) }
        }
        @if view.items.is_empty() {
            p id="no-ledger" { (lang.t(Text::NoLedger)) }
        }
        div class="table-scroll" tabindex="0" {
            table id="ledger" class="ledger" {
                thead { tr {
                    th { (lang.t(Text::LedgerItem)) } th { (lang.t(Text::LedgerKind)) }
                    th { (lang.t(Text::LedgerState)) } th { (lang.t(Text::LedgerHolder)) }
                    th { (lang.t(Text::LedgerEvents)) }
                } }
                tbody {
                    @for item in &view.items {
                        tr class="ledger-item" data-id=(item.row.id) data-kind=(item.row.kind.as_str())
                            data-state=(item.row.state.as_str()) data-open=(item.open) {
                            td { (item.name) @if let Some(v) = item.row.version { " (v" (v) ")" } }
                            td { (word(lang, kind_words(item.row.kind))) }
                            td {
                                (word(lang, state_words(item.row.state)))
                                @if item.open { " " strong class="ledger-open" { (lang.t(Text::LedgerOpen)) } }
                            }
                            td { (item.holder_name.clone().unwrap_or_default()) }
                            td {
                                ol class="ledger-events" {
                                    @for e in &item.events {
                                        li data-kind=(e.row.kind.as_str()) {
                                            strong { (word(lang, event_words(e.row.kind))) } " — "
                                            (zone.when(e.row.at)) " — " (who(e))
                                            @let at = place(e);
                                            @if !at.is_empty() { " — " (at) }
                                            @let more = note(e);
                                            @if !more.is_empty() { " — " (more) }
                                        }
                                    }
                                }
                                (item_forms(&ctx, &cid, item))
                            }
                        }
                    }
                }
            }
        }
        form method="post" action={ "/compartments/" (cid) "/ledger/items" } class="ledger-add" {
            (csrf_field(&ctx))
            h2 { (lang.t(Text::LedgerAddItem)) }
            select name="kind" aria-label=(lang.t(Text::LedgerKind)) {
                option value="paper" { (word(lang, kind_words(LedgerItemKind::Paper))) }
                option value="medium" { (word(lang, kind_words(LedgerItemKind::Medium))) }
            }
            select name="opening" aria-label=(lang.t(Text::LedgerEvents)) {
                option value="receipt" { (word(lang, event_words(LedgerEventKind::Receipt))) }
                option value="creation" { (word(lang, event_words(LedgerEventKind::Creation))) }
            }
            label { (lang.t(Text::LedgerTitle)) input type="text" name="title" required maxlength="200"; }
            label { (lang.t(Text::LedgerDepartment)) input type="text" name="department" maxlength="200"; }
            button type="submit" { (lang.t(Text::LedgerRecordEvent)) }
        }
        p { a href=(back) { (lang.t(Text::Back)) } }
    };
    ok(page_in(
        &ctx,
        &[("/", lang.t(Text::Home)), (&back, lang.t(Text::Files))],
        lang.t(Text::Ledger),
        Marked::Protected,
        body,
    ))
}

/// `GET /compartments/{cid}/ledger.csv`: one row per event.
pub(super) async fn csv(ctx: Ctx, Path(cid): Path<String>) -> Response {
    let view = match ctx.app.ledger(&ctx.meta, &ctx.caller, &cid).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let zone = ctx.zone();
    let mut rows = Vec::new();
    for item in &view.items {
        for e in &item.events {
            rows.push(vec![
                item.row.id.to_string(),
                item.name.clone(),
                item.row.version.map(|v| v.to_string()).unwrap_or_default(),
                item.row.kind.as_str().to_owned(),
                item.row.state.as_str().to_owned(),
                e.row.seq.to_string(),
                e.row.kind.as_str().to_owned(),
                zone.when(e.row.at),
                who(e),
                place(e),
                note(e),
            ]);
        }
    }
    let header = [
        "項目ID / item",
        "名称 / name",
        "版 / version",
        "種類 / kind",
        "状態 / state",
        "順 / seq",
        "記録 / event",
        "いつ / when",
        "誰が / who",
        "どこで / where",
        "内容 / details",
    ];
    match csv_bytes(&header, &rows) {
        Ok(body) => csv_response(&format!("ledger-{}.csv", view.compartment_id), body),
        Err(e) => error_page(&ctx, e),
    }
}

/// The hand-entry form.
#[derive(Deserialize)]
pub(super) struct ItemForm {
    kind: String,
    title: String,
    opening: String,
    #[serde(default)]
    department: Option<String>,
}

/// `POST /compartments/{cid}/ledger/items`
pub(super) async fn add(ctx: Ctx, Path(cid): Path<String>, Form(f): Form<ItemForm>) -> Response {
    let back = format!("/compartments/{}/ledger", super::segment(&cid));
    let input = NewLedgerItemInput {
        kind: f.kind,
        title: f.title,
        opening: f.opening,
        details: LedgerDetails {
            department: f.department,
            ..LedgerDetails::default()
        },
    };
    match ctx
        .app
        .add_ledger_item(&ctx.meta, &ctx.caller, &cid, input)
        .await
    {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}

/// The event form.
#[derive(Deserialize)]
pub(super) struct EventForm {
    kind: String,
    #[serde(default)]
    permission_id: Option<String>,
    #[serde(default)]
    department: Option<String>,
}

/// `POST /compartments/{cid}/ledger/items/{iid}/events`
pub(super) async fn event(
    ctx: Ctx,
    Path((cid, iid)): Path<(String, String)>,
    Form(f): Form<EventForm>,
) -> Response {
    let back = format!("/compartments/{}/ledger", super::segment(&cid));
    let input = LedgerEventInput {
        kind: f.kind,
        permission_id: f.permission_id.filter(|p| !p.is_empty()),
        details: LedgerDetails {
            department: f.department,
            ..LedgerDetails::default()
        },
    };
    match ctx
        .app
        .record_ledger_event(&ctx.meta, &ctx.caller, (&cid, &iid), input)
        .await
    {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}

/// The permission form.
#[derive(Deserialize)]
pub(super) struct PermitForm {
    act: String,
    person: String,
    method: String,
    recipient: String,
    container: String,
}

/// `POST /compartments/{cid}/ledger/items/{iid}/permissions`
pub(super) async fn permit(
    ctx: Ctx,
    Path((cid, iid)): Path<(String, String)>,
    Form(f): Form<PermitForm>,
) -> Response {
    let back = format!("/compartments/{}/ledger", super::segment(&cid));
    let input = LedgerPermitInput {
        act: f.act,
        person: f.person,
        method: f.method,
        recipient: f.recipient,
        container: f.container,
    };
    match ctx
        .app
        .permit_ledger_movement(&ctx.meta, &ctx.caller, (&cid, &iid), input)
        .await
    {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}

/// `POST /compartments/{cid}/ledger/items/{iid}/check`
pub(super) async fn check(ctx: Ctx, Path((cid, iid)): Path<(String, String)>) -> Response {
    let back = format!("/compartments/{}/ledger", super::segment(&cid));
    match ctx
        .app
        .check_ledger_item(&ctx.meta, &ctx.caller, (&cid, &iid))
        .await
    {
        Ok(()) => done(&back, Notice::Saved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}
