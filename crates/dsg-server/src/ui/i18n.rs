//! Japanese first, English second.

use axum::http::HeaderMap;

use crate::http::context::{cookie, LANG_COOKIE};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語 (default).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// From the language cookie; Japanese unless English was chosen.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        match cookie(headers, LANG_COOKIE) {
            Some("en") => Self::En,
            _ => Self::Ja,
        }
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    /// Looks up a UI text.
    pub fn t(self, key: Text) -> &'static str {
        let (ja, en) = key.texts();
        match self {
            Self::Ja => ja,
            Self::En => en,
        }
    }
}

macro_rules! texts {
    ($($name:ident => ($ja:literal, $en:literal)),+ $(,)?) => {
        /// Every UI text.
        #[derive(Debug, Clone, Copy)]
        #[allow(missing_docs, reason = "the names say what the texts are")]
        pub enum Text { $($name),+ }
        impl Text {
            fn texts(self) -> (&'static str, &'static str) {
                match self { $(Self::$name => ($ja, $en)),+ }
            }
        }
    };
}

texts! {
    AppName => ("防衛セキュリティゲートウェイ", "Defense Security Gateway"),
    Marking => ("保護すべき情報", "Protected information (保護すべき情報)"),
    Login => ("ログイン", "Log in"),
    Logout => ("ログアウト", "Log out"),
    Username => ("ユーザID", "User ID"),
    Password => ("パスワード", "Password"),
    LoginFailed => ("ユーザIDまたはパスワードが正しくありません。", "The user ID or password is incorrect."),
    MyCompartments => ("利用できる区画", "Your compartments"),
    NoCompartments => ("利用できる区画はありません。", "You have no compartments."),
    Contract => ("契約", "Contract"),
    ContractNumber => ("契約番号", "Contract number"),
    Title => ("件名", "Title"),
    Period => ("契約期間", "Period"),
    Files => ("ファイル", "Files"),
    NoFiles => ("ファイルはありません。", "No files yet."),
    FileName => ("ファイル名", "File name"),
    Size => ("サイズ", "Size"),
    Version => ("版", "Version"),
    Updated => ("更新日時", "Updated"),
    Upload => ("アップロード", "Upload"),
    UploadNewVersion => ("新しい版をアップロード", "Upload a new version"),
    Uploading => ("アップロード中…", "Uploading…"),
    UploadDone => ("アップロード完了", "Upload complete"),
    UploadFailed => ("アップロードに失敗しました", "Upload failed"),
    Download => ("ダウンロード", "Download"),
    Versions => ("版の履歴", "Versions"),
    Delete => ("削除（廃棄候補にする）", "Delete (mark for disposal)"),
    DeleteNote => ("削除したファイルは廃棄候補として保管され、記録された廃棄まで消えません。", "A deleted file is kept as a disposal candidate until a recorded disposal."),
    Back => ("戻る", "Back"),
    Admin => ("管理", "Administration"),
    Companies => ("企業", "Companies"),
    Users => ("利用者", "Users"),
    Contracts => ("契約", "Contracts"),
    Compartments => ("区画", "Compartments"),
    Name => ("名称", "Name"),
    Kind => ("種別", "Kind"),
    Company => ("企業", "Company"),
    DisplayName => ("氏名", "Name"),
    Role => ("役割", "Role"),
    Status => ("状態", "Status"),
    Add => ("登録", "Register"),
    StartsOn => ("開始日", "Start"),
    EndsOn => ("終了日", "End"),
    SpecialClause => ("情報セキュリティ特約条項", "Information-security special clause"),
    OpenCompartment => ("区画を開設", "Open compartment"),
    Handlers => ("取扱者", "Handlers"),
    Designate => ("取扱者に指定", "Designate as handler"),
    Remove => ("指定を解除", "Remove"),
    Yes => ("あり", "yes"),
    No => ("なし", "no"),
    NotFound => ("見つからないか、アクセスが許可されていません。", "Not found, or you are not allowed to access it."),
    Forbidden => ("この操作は許可されていません。", "You are not allowed to do this."),
    ErrorTitle => ("エラー", "Error"),
    Language => ("English", "日本語"),
    Done => ("完了しました。", "Done."),
    InvalidInput => ("入力内容に誤りがあります", "The input is not valid"),
    AlreadyExists => ("既に登録されています", "This already exists"),
    TooLarge => ("ファイルが大きすぎます。", "The file is too large."),
    QuotaExceeded => ("区画の容量を超えています。", "The compartment's quota is used up."),
    InsufficientStorage => ("保存領域が不足しています。管理者に連絡してください。", "Storage is running out. Please contact the operator."),
    CsrfRefused => ("要求を受け付けられませんでした。ページを再読み込みしてください。", "The request was refused. Please reload the page."),
    InternalError => ("内部エラーが発生しました。", "An internal error occurred."),
    VerifyTitle => ("本人確認（第二要素）", "Second factor"),
    VerifyIntro => ("パスワードを確認しました。登録済みの認証器で本人確認してください。", "Password accepted. Confirm it is you with a registered authenticator."),
    UsePasskey => ("パスキー（生体認証）で確認", "Confirm with passkey (biometric)"),
    Working => ("処理中…", "Working…"),
    Completed => ("完了しました", "Done"),
    Failed => ("失敗しました", "Failed"),
    TotpCode => ("認証アプリの6桁コード", "6-digit code from the authenticator app"),
    UseTotp => ("コードで確認", "Confirm with code"),
    RecoveryCode => ("リカバリーコード", "Recovery code"),
    UseRecovery => ("リカバリーコードを使う（新しい認証器の登録のみ可能）", "Use a recovery code (it only allows registering a new authenticator)"),
    SecondFactorFailed => ("確認できませんでした。もう一度お試しください。", "That did not verify. Please try again."),
    EnrolTitle => ("アカウントの登録", "Account enrolment"),
    EnrolIntro => ("管理者から受け取った登録用リンクです。ご自身のパスワードを設定してください（12文字以上、推測されにくいもの）。", "This is the enrolment link from your administrator. Choose your own password (12 characters or more, hard to guess)."),
    NewPassword => ("新しいパスワード", "New password"),
    Continue => ("次へ", "Continue"),
    AuthenticatorTitle => ("認証器の登録", "Register an authenticator"),
    AuthenticatorIntro => ("生体認証またはPINで利用者確認を行うパスキー（Windows Hello、Touch ID、セキュリティキー等）を登録してください。", "Register a passkey that verifies you with biometrics or a PIN (Windows Hello, Touch ID, a security key…)."),
    PasskeyName => ("認証器の名前", "Authenticator name"),
    RegisterPasskey => ("パスキーを登録", "Register passkey"),
    TotpAlternative => ("この環境では認証アプリ（TOTP）も利用できます", "This deployment also allows an authenticator app (TOTP)"),
    StartTotp => ("認証アプリを設定", "Set up an authenticator app"),
    TotpSecret => ("シークレット（認証アプリに登録）", "Secret (add it to your authenticator app)"),
    ConfirmCode => ("確認", "Confirm"),
    RecoveryCodesTitle => ("リカバリーコード（この画面でのみ表示されます。安全な場所に保管してください）", "Recovery codes (shown only now; keep them somewhere safe)"),
    EnrolmentDone => ("登録が完了しました。新しい認証器でログインしてください。", "Enrolment complete. Log in with your new authenticator."),
    ToLogin => ("ログイン画面へ", "Go to login"),
    Security => ("セキュリティ設定", "Security"),
    Authenticators => ("認証器", "Authenticators"),
    Added => ("登録日時", "Added"),
    LastUsed => ("最終利用", "Last used"),
    RemoveAuthenticator => ("削除", "Remove"),
    AddPasskey => ("パスキーを追加", "Add a passkey"),
    RecoveryCodesLeft => ("未使用のリカバリーコード", "Unused recovery codes"),
    RenewRecoveryCodes => ("リカバリーコードを再発行", "Issue new recovery codes"),
    Sessions => ("ログイン中のセッション", "Active sessions"),
    Device => ("端末（ブラウザ）", "Device (browser)"),
    Address => ("接続元", "Address"),
    Started => ("開始", "Started"),
    LastActivity => ("最終操作", "Last activity"),
    Method => ("認証方式", "Method"),
    ThisSession => ("このセッション", "This session"),
    Revoke => ("終了させる", "Revoke"),
    RevokeOthers => ("他のセッションをすべて終了", "End all other sessions"),
    LoginHistory => ("ログイン履歴", "Login history"),
    Result => ("結果", "Result"),
    Success => ("成功", "Success"),
    Failure => ("失敗", "Failure"),
    StepUpTitle => ("再認証", "Re-authenticate"),
    StepUpIntro => ("この操作には直前の本人確認が必要です。", "This action needs a fresh confirmation that it is you."),
    Accounts => ("アカウント管理", "Accounts"),
    State => ("状態", "State"),
    Factors => ("認証器", "Factors"),
    RecentFailures => ("直近の失敗", "Recent failures"),
    Unlock => ("ロック解除", "Unlock"),
    Disable => ("無効化", "Disable"),
    Enable => ("有効化", "Enable"),
    ResetAuthenticators => ("認証器をリセット（再登録を強制）", "Reset authenticators (force re-enrolment)"),
    NewEnrolmentLink => ("登録用リンクを再発行", "New enrolment link"),
    PendingResets => ("承認待ちのリセット（申請者以外の管理者が承認）", "Resets awaiting approval (by an operator other than the requester)"),
    Approve => ("承認", "Approve"),
    RequestedBy => ("申請者", "Requested by"),
    EnrolmentLink => ("登録用リンク（一度だけ表示。本人に安全な方法で渡してください）", "Enrolment link (shown once; hand it to the user securely)"),
    FailedLogins => ("ログイン失敗の推移", "Failed logins"),
    Day => ("日付", "Day"),
    Count => ("件数", "Count"),
    ValidUntil => ("有効期限（契約期間の終了日など）", "Valid until (e.g. end of contract)"),
    AccessReview => ("アクセス権の確認（誰がアクセスできるか）", "Who has access"),
    AccessReviewIntro => ("区画に今アクセスできる人とその端末、または人がアクセスできる区画を、適用中のポリシーで判定して示します（正しくログインした場合: パスキー、直前の本人確認あり）。取扱者でアクセスできない人は理由とともに示します。確認の実施は監査ログに記録されます。", "Who could reach a compartment now and from which terminals, or what a person could reach, as the policy in force decides it (after a proper login: passkey, fresh confirmation). Handlers who could not are listed with the reason. Each review is recorded in the audit log."),
    ByCompartment => ("区画で確認", "By compartment"),
    ByPerson => ("人で確認", "By person"),
    ShowReview => ("表示", "Show"),
    DownloadCsv => ("CSV をダウンロード", "Download CSV"),
    Person => ("利用者", "Person"),
    AccessColumn => ("アクセス", "Access"),
    WhyColumn => ("理由", "Why"),
    HasAccess => ("アクセス可", "Has access"),
    NoAccess => ("アクセス不可", "No access"),
    HandlerMark => ("取扱者", "Handler"),
    NoOneListed => ("該当する人・区画はありません。", "Nothing to list."),
    PolicyInForce => ("判定したポリシーの版", "Policy version that decided"),
    Terminals => ("端末管理", "Terminals"),
    TerminalName => ("端末名（資産番号など）", "Terminal name (asset tag)"),
    Site => ("設置場所", "Site"),
    Serial => ("製造番号", "Serial number"),
    Certificate => ("証明書", "Certificate"),
    CertificateUntil => ("証明書の有効期限", "Certificate valid until"),
    LastSeen => ("最終接続", "Last seen"),
    Connections => ("接続数", "Connections"),
    RegisterTerminal => ("端末を登録（クライアント証明書を発行）", "Register a terminal (issue its client certificate)"),
    CsrOptional => ("CSR（任意。端末で生成した鍵を使う場合、PEM を貼り付け）", "CSR (optional: paste the PEM if the terminal generated its own key)"),
    Quarantine => ("隔離", "Quarantine"),
    Release => ("隔離解除", "Release"),
    RevokeTerminal => ("登録取消", "Revoke"),
    NewCertificate => ("証明書を再発行", "New certificate"),
    ReasonOptional => ("理由", "Reason"),
    TerminalIssued => ("端末の証明書を発行しました（一度だけ表示）", "Terminal certificate issued (shown once)"),
    Pkcs12Download => ("PKCS#12 ファイルをダウンロード（OS またはブラウザに取り込む）", "Download the PKCS#12 file (import it into the OS or browser)"),
    Pkcs12Password => ("PKCS#12 のパスワード（端末の利用者に安全な方法で渡してください）", "PKCS#12 password (hand it to the terminal's user securely)"),
    CertificatePem => ("証明書（PEM）", "Certificate (PEM)"),
    RecoveryAlert => ("要確認: 直近30日のリカバリーコードによるログイン（本人によるものか確認してください）", "Check: recovery-code sign-ins in the last 30 days (confirm each was the account holder)"),
    Policies => ("ポリシー管理", "Policies"),
    PolicyIntro => ("すべてのアクセス判定はこのポリシー（Cedar）で行われます。変更は提案し、過去の判定で影響を確認してから、提案者以外の管理者が承認します。", "Every access decision is made by this policy (Cedar). Propose a change, check what it would change on recorded decisions, and have an operator other than the proposer approve it."),
    PolicyVersion => ("版", "Version"),
    PolicySummary => ("変更の目的", "Purpose of the change"),
    PolicyText => ("ポリシー本文（Cedar）", "Policy text (Cedar)"),
    ProposePolicy => ("変更を提案", "Propose a change"),
    DecidedBy => ("承認・却下した人", "Decided by"),
    InForceSince => ("適用開始", "In force since"),
    WhatIf => ("影響を確認（過去の判定を再評価）", "What would change (replay recorded decisions)"),
    WhatIfLimit => ("再評価する直近の判定の件数", "How many recent decisions to replay"),
    WhatIfReplayed => ("再評価した判定", "Decisions replayed"),
    WhatIfFlips => ("結果が変わる判定", "Decisions that would change"),
    WhatIfUnreadable => ("再評価できない記録", "Records that cannot be replayed"),
    Reject => ("却下", "Reject"),
    Rollback => ("この版に戻す", "Roll back to this version"),
    Allowed => ("許可", "Allowed"),
    Denied => ("拒否", "Denied"),
    Action => ("操作", "Action"),
    Object => ("対象", "Object"),
    Before => ("これまで", "Before"),
    After => ("変更後", "After"),
}
