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
}
