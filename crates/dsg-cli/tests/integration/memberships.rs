//! Membership applications (加入申請) end to end, against the real binary,
//! with three actors: the company's protected-system administrator, the
//! agency's operator and the service provider's staff. The whole membership
//! from the application to the numbered completion notice, the site check
//! with deficiencies remedied and checked again, a ministry audit result
//! accepted instead of a site check, the provider seeing only what is
//! assigned to it, and one audit entry per step.

use dsg_proto::memberships::{
    MembershipDetail, MembershipStepBody, NewMembership, ScheduleAdjustment,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

pub(crate) fn form(company: Option<&str>) -> NewMembership {
    NewMembership {
        company_id: company.map(str::to_owned),
        company_name: "株式会社テスト防衛".into(),
        company_address: "東京都千代田区大手町1-1".into(),
        site_name: "本社 保護区画".into(),
        site_prefecture: "東京都".into(),
        site_address: "千代田区大手町1-1 5階".into(),
        contact: "保護 太郎 情報管理部 03-0000-0000".into(),
        contracts_evidence: "令和9年度 特約条項付き契約 A-1 を履行予定".into(),
        facility_evidence: "基準第8に準拠した取扱施設（入退管理・施錠）".into(),
        equipment_evidence: "指定仕様の端末3台、調達経路を確認済み".into(),
        location_evidence: "東京都千代田区".into(),
        audit_result: String::new(),
        schedule_wish: "4月中の現地確認を希望".into(),
    }
}

fn body(reason: &str) -> MembershipStepBody {
    MembershipStepBody {
        reason: reason.into(),
        provider_id: None,
    }
}

async fn step(client: &mut Client, id: &str, action: &str) -> MembershipDetail {
    client
        .membership_step(id, action, &body(""))
        .await
        .unwrap_or_else(|e| panic!("{action}: {e}"))
}

async fn refused(client: &mut Client, id: &str, action: &str) -> (StatusCode, String) {
    let e = client
        .membership_step(id, action, &body("x"))
        .await
        .expect_err(action);
    (e.status().unwrap(), e.code().unwrap_or_default().to_owned())
}

/// A new user of `company` holding `duty`, signed in.
pub(crate) async fn staff(
    gw: &Gateway,
    op: &mut Client,
    company: &str,
    name: &str,
    duty: &str,
) -> Client {
    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/users",
            json!({ "company_id": company, "username": name, "display_name": name, "role": "member" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let user = b["id"].as_str().unwrap().to_owned();
    let password = format!("Pw-{name}-7Xk2-long-enough");
    gw.enrol(name, b["enrolment_path"].as_str().unwrap(), &password)
        .await;
    grant(op, &user, duty).await;
    gw.login(name, &password).await
}

/// A staff member of a new service provider's organisation, holding
/// `site-survey`, signed in.
pub(crate) async fn provider_staff(gw: &Gateway, op: &mut Client, name: &str) -> Client {
    let provider = company(op, &format!("{name} 事業者")).await;
    staff(gw, op, &provider, name, "site-survey").await
}

async fn grant(op: &mut Client, user: &str, duty: &str) {
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{user}/duties"),
            json!({ "duty": duty }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

pub(crate) async fn company(op: &mut Client, name: &str) -> String {
    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/companies",
            json!({ "name": name }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

async fn html_of(client: &mut Client, path: &str) -> (StatusCode, String) {
    let req = client.request(Method::GET, path);
    let (s, body) = client.send(req).await;
    (s, String::from_utf8(body).unwrap())
}

fn ids(list: &dsg_proto::memberships::MembershipList) -> Vec<String> {
    list.memberships.iter().map(|m| m.id.clone()).collect()
}

async fn membership(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    grant(&mut op, w.user_id("a.member"), "security-admin").await;
    grant(&mut op, w.user_id("b.handler"), "security-admin").await;
    let mut admin = gw.login("a.member", w.password("a.member")).await;
    let mut b_admin = gw.login("b.handler", w.password("b.handler")).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let provider = company(&mut op, "回線サービス株式会社").await;
    let other_provider = company(&mut op, "別の事業者株式会社").await;
    let mut surveyor = staff(&gw, &mut op, &provider, "p.survey", "site-survey").await;
    let mut setup = staff(&gw, &mut op, &provider, "p.setup", "terminal-setup").await;
    let mut stranger = staff(&gw, &mut op, &other_provider, "q.survey", "site-survey").await;

    // ① The company files; the schedule to completion comes with it.
    let filed = admin.file_membership(&form(None)).await.unwrap();
    let id = filed.membership.id.clone();
    assert_eq!(filed.membership.state, "submitted");
    assert_eq!(filed.membership.step, Some(1));
    assert_eq!(filed.schedule.len(), 7);
    let numbers: Vec<u8> = filed.schedule.iter().map(|l| l.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
    let owners: Vec<&str> = filed.schedule.iter().map(|l| l.owner.as_str()).collect();
    assert_eq!(
        owners,
        ["agency", "agency", "provider", "provider", "provider", "provider", "agency"]
    );
    assert_eq!(
        filed.membership.due_on.as_deref(),
        Some(filed.schedule[0].due_on.as_str())
    );
    for pair in filed.schedule.windows(2) {
        assert!(pair[0].due_on < pair[1].due_on, "{:?}", filed.schedule);
    }
    assert_eq!(filed.membership.company_id, w.company_a);
    // A site outside Japan, or a requirement unanswered, is refused.
    let mut abroad = form(None);
    abroad.site_prefecture = "Hawaii".into();
    let e = admin.file_membership(&abroad).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    let mut blank = form(None);
    blank.facility_evidence = " ".into();
    assert_eq!(
        admin.file_membership(&blank).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );

    // It waits for the agency; the company and the provider see nothing
    // waiting for them, and the provider does not see it at all yet.
    assert_eq!(
        ids(&op.membership_inbox().await.unwrap()),
        std::slice::from_ref(&id)
    );
    assert!(ids(&admin.membership_inbox().await.unwrap()).is_empty());
    assert!(ids(&surveyor.memberships().await.unwrap()).is_empty());
    let e = surveyor.membership(&id).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));

    // The agency adjusts the schedule (moves ② to the day ③ was due; ③ on
    // follow), and the company sees it.
    let mut second = filed.schedule[1].clone();
    second.due_on = filed.schedule[2].due_on.clone();
    let adjusted = op
        .adjust_membership_schedule(
            &id,
            &ScheduleAdjustment {
                step: "site_check".into(),
                due_on: second.due_on.clone(),
            },
        )
        .await
        .unwrap();
    assert!(adjusted.schedule[1].adjusted, "{:?}", adjusted.schedule);
    assert_eq!(adjusted.schedule[1].due_on, second.due_on);
    assert!(adjusted.schedule[2].due_on > filed.schedule[2].due_on);
    assert!(!adjusted.schedule[0].adjusted);
    let e = admin
        .adjust_membership_schedule(
            &id,
            &ScheduleAdjustment {
                step: "site_check".into(),
                due_on: second.due_on.clone(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    assert!(admin.membership(&id).await.unwrap().schedule[1].adjusted);

    // Accepting names the provider: another organisation than the company.
    let mut accept = body("");
    let e = op
        .membership_step(&id, "accept", &accept)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    accept.provider_id = Some(w.company_a.clone());
    let e = op
        .membership_step(&id, "accept", &accept)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    // The company does not accept its own.
    accept.provider_id = Some(provider.clone());
    let e = admin
        .membership_step(&id, "accept", &accept)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    let d = op.membership_step(&id, "accept", &accept).await.unwrap();
    assert_eq!(d.membership.state, "site_check");
    assert_eq!(d.membership.provider_id.as_deref(), Some(provider.as_str()));
    assert_eq!(
        d.membership.actions,
        ["pass_check", "find_deficiencies", "accept_audit_result"]
    );

    // ② Deficiencies → remediation → re-check → pass.
    assert_eq!(
        refused(&mut surveyor, &id, "complete_survey").await,
        (StatusCode::CONFLICT, "refused".to_owned())
    );
    let e = op
        .membership_step(&id, "find_deficiencies", &body(""))
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        Some(StatusCode::BAD_REQUEST),
        "a finding says what"
    );
    let d = op
        .membership_step(
            &id,
            "find_deficiencies",
            &body("入退記録の保管場所が施錠されていない"),
        )
        .await
        .unwrap();
    assert_eq!(d.membership.state, "remediation");
    assert_eq!(
        ids(&admin.membership_inbox().await.unwrap()),
        std::slice::from_ref(&id)
    );
    assert!(ids(&op.membership_inbox().await.unwrap()).is_empty());
    assert_eq!(
        refused(&mut op, &id, "pass_check").await.0,
        StatusCode::CONFLICT
    );
    let d = admin
        .membership_step(&id, "report_remediation", &body("施錠ロッカーを設置"))
        .await
        .unwrap();
    assert_eq!(d.membership.state, "site_check");
    let d = step(&mut op, &id, "pass_check").await;
    assert_eq!(d.membership.state, "line_survey");
    assert_eq!(d.membership.step, Some(3));
    assert_eq!(
        d.membership.due_on.as_deref(),
        Some(d.schedule[2].due_on.as_str())
    );

    // ③–⑤ are the provider's survey staff's; ⑥ its setup staff's.
    assert_eq!(
        ids(&surveyor.membership_inbox().await.unwrap()),
        std::slice::from_ref(&id)
    );
    assert!(ids(&setup.membership_inbox().await.unwrap()).is_empty());
    assert!(ids(&op.membership_inbox().await.unwrap()).is_empty());
    assert_eq!(
        refused(&mut setup, &id, "complete_survey").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        refused(&mut op, &id, "complete_survey").await.0,
        StatusCode::FORBIDDEN
    );
    // Another provider learns nothing; neither does another company.
    for outsider in [&mut stranger, &mut b_admin] {
        assert_eq!(
            outsider.membership(&id).await.unwrap_err().status(),
            Some(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            refused(outsider, &id, "complete_survey").await.0,
            StatusCode::NOT_FOUND
        );
        assert!(ids(&outsider.memberships().await.unwrap()).is_empty());
    }
    step(&mut surveyor, &id, "complete_survey").await;
    step(&mut surveyor, &id, "complete_line_works").await;
    let d = step(&mut surveyor, &id, "complete_router").await;
    assert_eq!(d.membership.state, "terminal_setup");
    assert_eq!(
        ids(&setup.membership_inbox().await.unwrap()),
        std::slice::from_ref(&id)
    );
    let d = step(&mut setup, &id, "complete_terminal_setup").await;
    assert_eq!(d.membership.state, "connection_test");
    // ⑥ The company tests the connection and asks for the final check.
    let d = step(&mut admin, &id, "request_final_check").await;
    assert_eq!(d.membership.state, "final_check");
    // The provider sees it, but has nothing more to do.
    assert!(surveyor
        .membership(&id)
        .await
        .unwrap()
        .membership
        .actions
        .is_empty());
    assert!(surveyor.membership_notice(&id).await.is_err());

    // ⑦ The final check passed: the numbered completion notice.
    let d = step(&mut op, &id, "pass_check").await;
    assert_eq!(d.membership.state, "completed");
    assert!(d.membership.closed_at.is_some());
    assert!(d.membership.due_on.is_none());
    let notice = d.notice.clone().unwrap();
    assert!(
        notice.number.ends_with("-0001") && notice.number.len() == 9,
        "{notice:?}"
    );
    assert_eq!(admin.membership_notice(&id).await.unwrap(), notice);
    assert_eq!(notice.company_name, "株式会社テスト防衛");
    assert_eq!(
        refused(&mut admin, &id, "withdraw").await.0,
        StatusCode::CONFLICT
    );
    let (s, html) = html_of(&mut admin, &format!("/memberships/{id}/notice")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("completion-notice")
            && html.contains(&notice.number)
            && html.contains("加入完了通知書"),
        "{html}"
    );
    let (s, _) = html_of(&mut b_admin, &format!("/memberships/{id}/notice")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A recent ministry audit result accepted in place of the site check;
    // filed by an operator for company B (a paper form): that operator may
    // not decide it, another one may; the next notice takes the next number.
    let mut with_audit = form(Some(&w.company_b));
    with_audit.audit_result = "地方防衛局 監査結果通知書 第123号".into();
    let filed = op.file_membership(&with_audit).await.unwrap();
    let id2 = filed.membership.id.clone();
    assert_eq!(filed.membership.company_id, w.company_b);
    let (status, code) = {
        let e = op
            .membership_step(&id2, "accept", &accept)
            .await
            .unwrap_err();
        (e.status().unwrap(), e.code().unwrap_or_default().to_owned())
    };
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "self_approval")
    );
    let mut op2 = crate::applications::second_operator(&gw, &mut op).await;
    op2.membership_step(&id2, "accept", &accept).await.unwrap();
    let d = op2
        .membership_step(&id2, "accept_audit_result", &body("監査結果第123号で代替"))
        .await
        .unwrap();
    assert_eq!(d.membership.state, "line_survey");
    // Its company sees it, A's administrator does not.
    assert_eq!(
        b_admin.membership(&id2).await.unwrap().membership.state,
        "line_survey"
    );
    assert_eq!(
        admin.membership(&id2).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND)
    );
    // The provider now sees both, the company member without the duty
    // neither.
    let mut seen = ids(&surveyor.memberships().await.unwrap());
    seen.sort();
    let mut both = vec![id.clone(), id2.clone()];
    both.sort();
    assert_eq!(seen, both);
    assert_eq!(
        handler.memberships().await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        handler.membership(&id).await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    for s in ["complete_survey", "complete_line_works", "complete_router"] {
        step(&mut surveyor, &id2, s).await;
    }
    step(&mut setup, &id2, "complete_terminal_setup").await;
    step(&mut b_admin, &id2, "request_final_check").await;
    let d = op2
        .membership_step(&id2, "find_deficiencies", &body("端末の設置位置"))
        .await
        .unwrap();
    assert_eq!(d.membership.state, "final_remediation");
    step(&mut b_admin, &id2, "report_remediation").await;
    let d = step(&mut op2, &id2, "pass_check").await;
    assert!(d.notice.unwrap().number.ends_with("-0002"));

    // The pages: the buttons for who may act.
    let (s, html) = html_of(&mut admin, "/memberships").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("membership-form") && html.contains(&id),
        "{html}"
    );
    // The provider's staff reach the page too, and see what is assigned.
    let (s, html) = html_of(&mut surveyor, "/memberships").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("memberships-nav") && html.contains(&id) && !html.contains("membership-form"),
        "{html}"
    );
    let (_, html) = html_of(&mut op, &format!("/memberships/{id}")).await;
    assert!(
        html.contains("schedule-line") && html.contains("notice-link"),
        "{html}"
    );

    // The timeline, and exactly one audit entry per step.
    let detail = admin.membership(&id).await.unwrap();
    let actions: Vec<&str> = detail.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "file",
            "accept",
            "find_deficiencies",
            "report_remediation",
            "pass_check",
            "complete_survey",
            "complete_line_works",
            "complete_router",
            "complete_terminal_setup",
            "request_final_check",
            "pass_check"
        ]
    );
    assert_eq!(
        detail.steps[2].reason,
        "入退記録の保管場所が施錠されていない"
    );
    let log = gw.audit();
    let entries: Vec<String> = log
        .iter()
        .rev()
        .filter(|e| e["object_id"] == id.as_str() && e["outcome"] == "success")
        .filter(|e| e["action"] != "application.view")
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        entries,
        [
            "application.file",
            "application.schedule.adjust",
            "application.approve",
            "application.return",
            "application.resubmit",
            "application.approve",
            "application.step",
            "application.step",
            "application.step",
            "application.step",
            "application.step",
            "application.approve"
        ]
    );
    // The refusals are recorded too.
    assert!(log.iter().any(|e: &Value| e["object_id"] == id.as_str()
        && e["outcome"] == "denied"
        && e["action"] == "application.approve"));
    gw.stop().await;
}

#[tokio::test]
async fn membership_on_sqlite() {
    membership(Db::Sqlite).await;
}

#[tokio::test]
async fn membership_on_postgres() {
    membership(Db::Postgres).await;
}
