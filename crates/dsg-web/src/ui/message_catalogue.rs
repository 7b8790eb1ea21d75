//! The catalogue of refusal texts, English → Japanese (see `messages.rs`:
//! how a page finds a text in it).

/// Exact texts and templates, English → Japanese. `{}` matches any value.
pub(super) const CATALOGUE: &[(&str, &str)] = &[
    // Shapes of a domain refusal (`DomainError`).
    ("invalid {}: {}", "{}: {}"),
    ("already exists: {}", "既に登録されています: {}"),
    // Fields.
    ("birth_date", "生年月日"),
    ("undertaking_date", "誓約書の提出日"),
    ("completed_on", "受講日"),
    ("username", "ログイン名"),
    ("display_name", "表示名"),
    ("contract number", "契約番号"),
    ("start date", "開始日"),
    ("end date", "終了日"),
    ("valid until", "有効期限"),
    ("file name", "ファイル名"),
    ("name", "名称"),
    ("serial", "製造番号"),
    ("site", "設置場所"),
    ("full_name", "氏名"),
    ("department", "所属"),
    ("position", "役職"),
    ("nationality", "国籍"),
    ("instructor", "講師・実施者"),
    ("topics", "内容"),
    ("title", "件名"),
    ("company", "企業"),
    ("contract", "契約"),
    ("user", "アカウント"),
    ("Role", "役割"),
    ("CompanyKind", "企業の種別"),
    ("Duty", "職務"),
    // Reasons of a domain refusal.
    (
        "a date as YYYY-MM-DD",
        "YYYY-MM-DD 形式の日付を入力してください",
    ),
    (
        "at most 100 characters, no control characters",
        "100文字以内で、制御文字は使えません",
    ),
    (
        "contains a bidirectional control character",
        "双方向制御文字が含まれています",
    ),
    (
        "contains a character Windows does not allow in file names (< > : \" | ? *)",
        "Windowsのファイル名に使えない文字（< > : \" | ? *）が含まれています",
    ),
    ("contains a control character", "制御文字が含まれています"),
    (
        "contains a control or bidirectional formatting character",
        "制御文字または双方向書式文字が含まれています",
    ),
    (
        "contains a path character",
        "パス区切り文字が含まれています",
    ),
    (
        "contains an invisible character (zero-width space, byte order mark, line separator …)",
        "見えない文字（ゼロ幅スペース、BOM、行区切り文字など）が含まれています",
    ),
    ("has the wrong length", "長さが正しくありません"),
    (
        "is a Windows device name (CON, PRN, AUX, NUL, COM1, LPT1 …)",
        "Windowsの予約デバイス名（CON、PRN、AUX、NUL、COM1、LPT1 など）は使えません",
    ),
    ("longer than 255 bytes", "255バイトを超えています"),
    ("longer than 64 characters", "64文字を超えています"),
    (
        "may contain only letters, digits, '.', '-', '_' and '@'",
        "英字・数字と「.」「-」「_」「@」のみ使えます",
    ),
    ("must be 1 to 64 characters", "1〜64文字で入力してください"),
    ("must be 3 to 64 characters", "3〜64文字で入力してください"),
    (
        "must be after the date of birth",
        "生年月日より後の日付にしてください",
    ),
    ("must be in the past", "過去の日付にしてください"),
    ("must be one line", "1行で入力してください"),
    ("must not be empty", "入力してください"),
    ("must not be in the future", "未来の日付は入力できません"),
    ("not a UUID", "IDの形式が正しくありません"),
    (
        "starts or ends with a space, or ends with a dot",
        "先頭・末尾の空白や末尾のドットは使えません",
    ),
    ("too long", "長すぎます"),
    ("unknown value", "使えない値です"),
    // Rules of the domain.
    (
        "a handler must belong to the contract's company",
        "取扱者は契約企業の所属者でなければなりません",
    ),
    (
        "an operator cannot also be an auditor: auditors check what operators do",
        "運用管理者は監査担当を兼ねられません（監査担当は運用管理者の操作を確認します）",
    ),
    ("auditors are agency staff", "監査担当は防衛省の職員です"),
    (
        "contracts are with contractor companies",
        "契約の相手方は契約企業です",
    ),
    (
        "only an active terminal gets a new certificate",
        "証明書を再発行できるのは利用中の端末だけです",
    ),
    (
        "only contracts with the information-security special clause get a compartment",
        "区画を開設できるのは情報セキュリティ特約のある契約だけです",
    ),
    (
        "operators belong to the agency",
        "運用管理者は防衛省の所属者です",
    ),
    (
        "operators cannot disable themselves",
        "自分のアカウントは無効にできません",
    ),
    (
        "security administrators belong to a contractor",
        "保護システム管理者は契約企業の所属者です",
    ),
    (
        "the contract ends before it starts",
        "契約の終了日が開始日より前です",
    ),
    (
        "the roster and training records are kept for contractors' staff",
        "名簿と教育記録は契約企業の従業者について作成します",
    ),
    // Refusals of the use cases.
    ("{} is not a valid id", "{}のIDの形式が正しくありません"),
    ("{} is out of range", "{}が範囲外です"),
    (
        "company: not a valid id",
        "企業のIDの形式が正しくありません",
    ),
    ("company: no such company", "その企業は登録されていません"),
    (
        "a {} terminal cannot become {}",
        "この端末の状態（{}）からは{}にできません",
    ),
    (
        "the enrolment link is invalid or has expired",
        "登録用リンクが無効か期限切れです",
    ),
    (
        "password must be at least {} characters",
        "パスワードは{}文字以上にしてください",
    ),
    (
        "password is too easy to guess",
        "推測されやすいパスワードです",
    ),
    (
        "TOTP is not allowed here",
        "ここではワンタイムコードは使えません",
    ),
    (
        "the last authenticator cannot be removed",
        "最後の認証器は削除できません",
    ),
    (
        "the account has completed enrolment; reset its authenticators instead",
        "このアカウントは初回設定を終えています。認証器のリセットを申請してください",
    ),
    (
        "no login is waiting for a second factor",
        "第二要素を待っているログインはありません",
    ),
    (
        "summary: say what the change is for (1–500 characters)",
        "概要: 変更の目的を1〜500文字で書いてください",
    ),
    ("policies: text too long", "ポリシー: 文字数が多すぎます"),
    (
        "only a version that was in force before can be rolled back to",
        "差し戻せるのは以前に施行されていた版だけです",
    ),
    (
        "policy version is not proposed",
        "このポリシー版は提案中ではありません",
    ),
    (
        "policy version is not a pending proposal",
        "このポリシー版は承認待ちの提案ではありません",
    ),
    (
        "the requester cannot approve their own request",
        "申請者本人は承認できません",
    ),
    (
        "reason: at most 500 characters, no control characters",
        "理由: 500文字以内で、制御文字は使えません",
    ),
    (
        "course must be annual, designation, change or role",
        "教育の種類を選んでください",
    ),
    (
        "completed_on must not be in the future",
        "受講日に未来の日付は入力できません",
    ),
    (
        "from must be before until",
        "開始は終了より前にしてください",
    ),
    (
        "outcome must be success, denied or failure",
        "結果の指定が正しくありません",
    ),
    (
        "status must be open, acknowledged, closed or all",
        "状態の指定が正しくありません",
    ),
    (
        "only an open alert can be acknowledged",
        "確認できるのは未対応のアラートだけです",
    ),
    ("the alert is already closed", "このアラートは対応済みです"),
    (
        "duty must be auditor or security-admin",
        "職務の指定が正しくありません",
    ),
    (
        "roster line not awaiting confirmation in that version",
        "この名簿の行は、その版では確認待ちではありません",
    ),
    (
        "terminal status changed meanwhile",
        "端末の状態がその間に変更されました",
    ),
    ("terminal is not active", "端末が利用中ではありません"),
    ("a newer version of this file", "このファイルの新しい版"),
    (
        "a file name sealed meanwhile",
        "その間に暗号化されたファイル名",
    ),
    (
        "a file with this name (upload a new version instead)",
        "同じ名前のファイル（新しい版としてアップロードしてください）",
    ),
    ("record", "同じ内容の記録"),
    ("credential", "この認証器"),
    ("company name", "同じ名前の企業"),
    ("compartment for this contract", "この契約の区画"),
    ("duty", "この職務"),
    ("handler designation", "この取扱者の指定"),
    ("terminal serial number", "同じ製造番号の端末"),
    ("audit leaf sequence", "監査ログの連番"),
    (
        "the log has no signing key yet: start the gateway first",
        "監査ログの署名鍵がまだありません。先にゲートウェイを起動してください",
    ),
    ("index too large", "番号が大きすぎます"),
    (
        "policy version was not proposed by a user",
        "このポリシー版は利用者による提案ではありません",
    ),
    (
        "this company's log has no signed head yet: it is made at the next checkpoint",
        "この企業のログにはまだ署名済みの先頭記録がありません。次のチェックポイントで作成されます",
    ),
    // Applications (the workflow engine and software requests).
    ("product", "製品名"),
    ("vendor", "製造元"),
    ("version", "バージョン"),
    ("purpose", "使用目的"),
    ("installation", "インストール方法"),
    (
        "offline or online",
        "オフラインかオンラインを選んでください",
    ),
    (
        "too long or holds control characters",
        "長すぎるか、制御文字を含んでいます",
    ),
    (
        "the application's state does not allow this",
        "この申請の状態ではこの操作はできません",
    ),
    (
        "this step belongs to another party or duty",
        "この手順は別の当事者または職務が行うものです",
    ),
    (
        "nobody decides their own application",
        "自分の申請を自分で決裁することはできません",
    ),
    (
        "at most 2000 entries per list",
        "一覧の項目は2000件までです",
    ),
    (
        "reason: a return or a rejection says why",
        "理由: 差し戻しや却下には理由を書いてください",
    ),
    (
        "reason: at most 2000 characters, no control characters",
        "理由: 2000文字以内で、制御文字は使えません",
    ),
    (
        "an entry is on both the whitelist and the blacklist",
        "同じ項目がホワイトリストとブラックリストの両方にあります",
    ),
    (
        "note: why the lists change (at most 2000 characters)",
        "備考: 一覧を改定する理由を2000文字以内で書いてください",
    ),
    (
        "application changed since it was read",
        "読み込んだ後に申請が変更されました。開き直してください",
    ),
    (
        "software lists changed since read",
        "読み込んだ後にソフトウェア一覧が変更されました。開き直してください",
    ),
    (
        "policies: line {}, column {}: {}",
        "ポリシー本文 {} 行目 {} 文字目: {}",
    ),
    (
        "policies do not validate against the schema: line {}, column {}: {}",
        "ポリシーがスキーマに合いません ({} 行目 {} 文字目): {}",
    ),
    (
        "an agency participant must belong to the agency",
        "官側参加者には官側の職員だけを指定できます",
    ),
    ("agency participant designation", "この官側参加者の指定"),
    (
        "only a provided file carries an instruction for the contract's end",
        "契約終了時の指示（返却・廃棄）は官側から提供されたファイルにだけ付けられます",
    ),
    ("EndInstruction", "契約終了時の指示"),
    ("FileDirection", "ファイルの向き"),
    ("DisposalMethod", "廃棄の方法"),
    ("place", "場所"),
    (
        "a stored file is disposed of by destroying its key",
        "保管中のファイルは鍵の破棄（暗号消去）で廃棄します",
    ),
    (
        "the checker of a disposal must be another person than who performed it",
        "廃棄の確認者は廃棄を行った人とは別の人でなければなりません",
    ),
    ("a disposal record for this file", "このファイルの廃棄記録"),
    (
        "a disposal checked by who performed it",
        "廃棄を行った本人による確認",
    ),
    ("disposal record", "廃棄記録"),
    (
        "the site must be in Japan (one of the 47 prefectures)",
        "拠点は日本国内（47都道府県のいずれか）にある必要があります",
    ),
    (
        "a step is due on a working day (not a weekend, public holiday or the New Year closure)",
        "期限は開庁日にしてください（土日・祝日・年末年始を除く）",
    ),
    ("not on the schedule", "スケジュールにない手続です"),
    (
        "a step is not due before the step ahead of it",
        "前の手続より早い期限にはできません",
    ),
    (
        "service-provider duties belong to the provider's staff",
        "サービス提供事業者の職務は事業者の職員にだけ付与できます",
    ),
    (
        "provider_id: accepting names the service provider",
        "サービス提供事業者: 受理するときは事業者を指定してください",
    ),
    (
        "provider_id: the service provider is another organisation than the applicant",
        "サービス提供事業者: 申請企業とは別の組織を指定してください",
    ),
    ("the application is closed", "この申請は終了しています"),
    (
        "the schedule changed since it was read",
        "読み込んだ後にスケジュールが変更されました。開き直してください",
    ),
    ("site_prefecture", "拠点の都道府県"),
    ("company_name", "企業名"),
    ("company_address", "所在地"),
    ("site_name", "拠点名"),
    ("site_address", "拠点の所在地"),
    ("contact", "連絡先"),
    ("contracts_evidence", "要件1 実績等"),
    ("facility_evidence", "要件2 設備"),
    ("equipment_evidence", "要件3 機器"),
    ("location_evidence", "要件4 拠点地域"),
    ("audit_result", "監査結果通知書"),
    ("schedule_wish", "スケジュールに関する要望"),
    // The compliance view.
    ("catalogue", "要求事項カタログ"),
    (
        "not a valid catalogue document",
        "要求事項カタログの形式が正しくありません",
    ),
    ("no version", "版がありません"),
    (
        "an id must start with its chapter",
        "項番は章番号で始まる必要があります",
    ),
    ("duplicate id", "項番が重複しています"),
    ("empty summary", "概要が空です"),
    (
        "requirement: not in the catalogue",
        "要求事項: カタログにありません",
    ),
    (
        "requirement: the gateway evaluates it from its own records",
        "要求事項: ゲートウェイが自らの記録から評価するため、証跡では代えられません",
    ),
    (
        "attested_on: must not be in the future",
        "証明日: 未来の日付は指定できません",
    ),
    (
        "valid_until: on or after attested_on, within three years",
        "有効期限: 証明日以降、3年以内の日付を指定してください",
    ),
    // The company's roles and the protected-system users' consent.
    (
        "a manager answers for an asset",
        "管理者には担当する情報・資産を指定してください",
    ),
    (
        "an audit member names the unit audited",
        "監査部門の構成員には監査対象の部署を指定してください",
    ),
    (
        "field does not apply to the role",
        "この役割には指定できない項目です",
    ),
    (
        "all three items must be consented to",
        "3つの事項すべてへの同意が必要です",
    ),
    ("role is not a company role", "役割の指定が正しくありません"),
    (
        "roles changed since the decision",
        "その間に役割の指定が変更されました。開き直してください",
    ),
    (
        "designation not in force, or roles changed since the decision",
        "この指定は有効でないか、その間に役割の指定が変更されました",
    ),
    (
        "the policy point refused this designation: the standard does not let this person hold this role with the roles they hold, or the audit department would have no member from outside the unit it audits",
        "方針決定点がこの指定を拒否しました。この人が既に持つ役割とは兼務できないか、監査部門に監査対象の部署の外の構成員がいなくなります",
    ),
    // zxcvbn's verdict on a password (`PasswordVerdict`).
    (
        "Straight rows of keys are easy to guess.",
        "キーボードの横一列の並びは推測されやすいです。",
    ),
    (
        "Short keyboard patterns are easy to guess.",
        "短いキーボードの並びは推測されやすいです。",
    ),
    (
        "Repeats like \"aaa\" are easy to guess.",
        "「aaa」のような繰り返しは推測されやすいです。",
    ),
    (
        "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\".",
        "「abcabcabc」のような繰り返しは「abc」とほとんど変わらず推測されやすいです。",
    ),
    (
        "This is a top-10 common password.",
        "最もよく使われるパスワード上位10件の一つです。",
    ),
    (
        "This is a top-100 common password.",
        "よく使われるパスワード上位100件の一つです。",
    ),
    (
        "This is a very common password.",
        "非常によく使われるパスワードです。",
    ),
    (
        "This is similar to a commonly used password.",
        "よく使われるパスワードに似ています。",
    ),
    (
        "Sequences like abc or 6543 are easy to guess.",
        "abc や 6543 のような連続は推測されやすいです。",
    ),
    (
        "Recent years are easy to guess.",
        "最近の年は推測されやすいです。",
    ),
    (
        "A word by itself is easy to guess.",
        "単語一つだけでは推測されやすいです。",
    ),
    (
        "Dates are often easy to guess.",
        "日付は推測されやすいことが多いです。",
    ),
    (
        "Names and surnames by themselves are easy to guess.",
        "名前や名字だけでは推測されやすいです。",
    ),
    (
        "Common names and surnames are easy to guess.",
        "よくある名前や名字は推測されやすいです。",
    ),
    (
        "Use a few words, avoid common phrases.",
        "複数の単語を組み合わせ、よくある言い回しは避けてください。",
    ),
    (
        "No need for symbols, digits, or uppercase letters.",
        "記号・数字・大文字は必須ではありません。",
    ),
    (
        "Add another word or two. Uncommon words are better.",
        "単語をあと一つか二つ加えてください。あまり使われない語がよいです。",
    ),
    (
        "Capitalization doesn't help very much.",
        "大文字にしてもあまり強くなりません。",
    ),
    (
        "All-uppercase is almost as easy to guess as all-lowercase.",
        "すべて大文字にしても、すべて小文字とほとんど変わりません。",
    ),
    (
        "Reversed words aren't much harder to guess.",
        "単語を逆さにしてもあまり強くなりません。",
    ),
    (
        "Predictable substitutions like '@' instead of 'a' don't help very much.",
        "「a」の代わりに「@」のような予想しやすい置き換えはあまり効果がありません。",
    ),
    (
        "Use a longer keyboard pattern with more turns.",
        "キーボードの並びを使うなら、より長く曲がりの多いものにしてください。",
    ),
    (
        "Avoid repeated words and characters.",
        "同じ語や文字の繰り返しは避けてください。",
    ),
    ("Avoid sequences.", "連続した並びは避けてください。"),
    ("Avoid recent years.", "最近の年は避けてください。"),
    (
        "Avoid years that are associated with you.",
        "ご自身に関係する年は避けてください。",
    ),
    (
        "Avoid dates and years that are associated with you.",
        "ご自身に関係する日付や年は避けてください。",
    ),
    // A disposal's place (`DisposalPlace::parse`).
    (
        "at most 200 characters, no control characters",
        "200文字以内で、制御文字は使えません",
    ),
    (
        "only paper documents and media are entered by hand",
        "手で記入できるのは紙の文書と可搬記憶媒体だけです",
    ),
    (
        "this event is not entered by hand on this item",
        "この項目にこの記録は手で記入できません",
    ),
    ("not a permission", "許可の記録ではありません"),
    (
        "this permission was used already",
        "この許可はすでに使われています",
    ),
    (
        "this event does not apply to the item in its present state",
        "この項目の今の状態にはこの記録を付けられません",
    ),
    (
        "the permission is for another kind of act",
        "この許可は別の行為（持出し・送付）に対するものです",
    ),
    (
        "the manager's permission is recorded before the act",
        "管理者の許可は行為の前に記録されている必要があります",
    ),
    (
        "only the person the permission names carries out or sends",
        "持出し・送付は許可で指名された人だけが行えます",
    ),
    (
        "the checker must be another person than who holds the item or recorded its end",
        "確認者は保有者や返却・廃棄を記録した人とは別の人でなければなりません",
    ),
    (
        "a check by who holds the item or recorded its end",
        "保有者または記録した本人による確認",
    ),
    (
        "the item changed meanwhile",
        "読み込んだ後に項目が変更されました。開き直してください",
    ),
    ("a permission used already", "使用済みの許可"),
    ("receipt or creation", "受領または作成"),
    (
        "a manager's permission recorded before the act",
        "行為の前に記録された管理者の許可",
    ),
    ("carry_out or sending", "持出しまたは送付"),
    ("a user id", "利用者のID"),
    ("a person of the manager's company", "管理者と同じ企業の人"),
    ("a named recipient and a container", "受領者の氏名と容器"),
    (
        "at most 200 characters, no control characters",
        "200文字以内、制御文字なし",
    ),
    ("title", "件名"),
    ("recipient", "受領者"),
    ("container", "容器"),
    ("department", "部署"),
    ("note", "備考"),
    ("opening", "最初の記録"),
    ("permission_id", "許可"),
    ("act", "行為"),
    ("person", "行う人"),
    ("LedgerItemKind", "目録の項目の種類"),
    ("LedgerEventKind", "目録の記録の種類"),
    ("MovementMethod", "運搬の方法"),
    (
        "only the holder of a copy records its return or destruction",
        "複製の返却・廃棄は、その複製の保有者が記録します",
    ),
    ("must be given", "指定してください"),
    (
        "terminal_id: a registered terminal of the company",
        "端末: 自社の登録済み端末を指定してください",
    ),
    (
        "permitted_users: people of the same company",
        "利用者: 同じ企業の人を指定してください",
    ),
    (
        "terminal not active in this company",
        "この企業の有効な端末ではありません（既に失効していないか確認してください）",
    ),
    (
        "medium not on the media list",
        "媒体一覧に登録されていない媒体です",
    ),
    (
        "media id already on the media list",
        "この媒体番号は既に媒体一覧に登録されています",
    ),
    (
        "a PEM certificate signing request",
        "PEM形式の証明書署名要求（CSR）を貼り付けてください",
    ),
    (
        "between 1 and 100000000",
        "1から100000000の間にしてください",
    ),
    (
        "one to fifty people of the company",
        "企業の利用者を1人以上50人以下で指定してください",
    ),
    (
        "operation: register or remove",
        "種別: 登録か撤去を選んでください",
    ),
    ("media_type: an unknown type", "媒体の種類: 不明な種類です"),
    (
        "permitted_users: user ids",
        "利用者: ユーザのIDを指定してください",
    ),
    ("csr_pem", "証明書署名要求（CSR）"),
    ("model", "機種"),
    ("terminal_id", "端末"),
    ("media_id", "媒体番号"),
    ("media_type", "媒体の種類"),
    ("capacity_mb", "容量（MB）"),
    ("permitted_users", "利用者"),
    // Help desk and attachments.
    ("subject", "件名"),
    ("body", "本文"),
    ("message", "メッセージ"),
    ("attachment", "添付資料"),
    ("linked_file", "関連ファイル"),
    (
        "linked_file: a compartment file you may read",
        "関連ファイル: 閲覧できる区画のファイルを指定してください",
    ),
    (
        "a resolved ticket is reopened within five working days",
        "解決済みの問合せを再開できるのは解決から5開庁日以内です",
    ),
    (
        "PDF, PNG, JPEG, XLSX or CSV only, recognised by content",
        "PDF・PNG・JPEG・XLSX・CSVのみです（内容で判定します）",
    ),
    (
        "the file name's extension does not match its content",
        "ファイル名の拡張子が内容と一致しません",
    ),
    ("larger than 20 MiB", "20 MiBを超えています"),
    // Contract end (第6-7).
    ("the compartment is closed", "この区画は閉鎖されています"),
    (
        "a day after the contract's last day and any extension approved",
        "契約の最終日（承認済みの延長があればその日）より後の日付にしてください",
    ),
    (
        "a compartment is closed only after its contract has ended",
        "区画の閉鎖は契約期間の終了後にのみできます",
    ),
    (
        "every inventory item must be returned or disposed of before closing",
        "閉鎖の前に、目録のすべての品目を返却または廃棄してください",
    ),
    ("the request is decided already", "この申請は既に決定されています"),
    (
        "a request is decided by another person than who made it",
        "申請は申請者とは別の人が決定しなければなりません",
    ),
    ("a request of this kind is pending", "同じ種類の申請が既に審査中です"),
    ("a request decided by who made it", "申請者自身による決定はできません"),
    (
        "every inventory item must be closed before the compartment",
        "区画を閉鎖する前に、目録のすべての品目を完了させてください",
    ),
    ("the compartment is closed already", "この区画は既に閉鎖されています"),
    ("reason", "理由"),
    ("until", "保管期限"),
    // Training topics (第7-1).
    ("covered_topics", "実施した教育項目"),
    ("unknown topic", "教育項目が正しくありません"),
    ("a topic twice", "同じ教育項目が重複しています"),
    ("at least one topic", "教育項目を一つ以上選んでください"),
];
