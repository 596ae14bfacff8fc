//! The HTML of the sign-in, consent and error pages. Element ids are Entra's own (`i0116` user name,
//! `i0118` password, `idSIButton9` primary button, `idBtn_Back` cancel), so browser automation written for
//! the real pages works here too.

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,"Segoe UI",sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}}
main{{max-width:440px;margin:10vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}
.brand{{font-weight:600;color:#0b5cab;margin-bottom:16px}} h1{{font-size:24px;font-weight:600;margin:0 0 16px}}
label{{display:block;margin:12px 0 4px}} input{{width:100%;box-sizing:border-box;padding:6px 0;border:0;
border-bottom:1px solid #666;font-size:15px}} .buttons{{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}}
button{{min-width:108px;padding:6px 12px;font-size:15px;border:1px solid #8c8c8c;background:#ccc;cursor:pointer}}
button.primary{{background:#0067b8;color:#fff;border-color:#0067b8}} .error{{color:#e81123}} ul{{padding-left:20px}}
code{{word-break:break-all}} .note{{color:#555;font-size:13px;margin-top:16px}}
</style></head>
<body><main><div class="brand">D365 Desk Sandbox · Entra ID emulator</div>{body}</main></body></html>"#
    )
}

pub fn sign_in(
    tenant_path: &str,
    ctx: &str,
    app_name: &str,
    login_hint: &str,
    error: Option<&str>,
) -> String {
    let error = error.map_or(String::new(), |e| {
        format!(r#"<p id="usernameError" class="error" role="alert">{}</p>"#, escape(e))
    });
    page(
        "Sign in to your account",
        &format!(
            r#"<h1>Sign in</h1><p>to continue to <strong>{app}</strong></p>{error}
<form method="post" action="/{tenant}/login">
<input type="hidden" name="ctx" value="{ctx}">
<label for="i0116">Email or user name</label>
<input id="i0116" name="login" type="email" autocomplete="username" value="{hint}" required{user_focus}>
<label for="i0118">Password</label>
<input id="i0118" name="passwd" type="password" autocomplete="current-password" required{password_focus}>
<div class="buttons"><button id="idSIButton9" class="primary" type="submit">Sign in</button></div>
</form><p class="note">This is a local emulator. No Microsoft account is involved.</p>"#,
            app = escape(app_name),
            tenant = escape(tenant_path),
            ctx = escape(ctx),
            hint = escape(login_hint),
            // With the user name given (`login_hint`), the password is what is left to type.
            user_focus = if login_hint.is_empty() { " autofocus" } else { "" },
            password_focus = if login_hint.is_empty() { "" } else { " autofocus" },
        ),
    )
}

pub fn consent(tenant_path: &str, ctx: &str, app_name: &str, upn: &str, permissions: &[String]) -> String {
    let items: String = permissions.iter().map(|p| format!("<li>{}</li>", escape(p))).collect();
    page(
        "Permissions requested",
        &format!(
            r#"<h1>Permissions requested</h1>
<p><strong id="appName">{app}</strong> would like to:</p><ul id="permissions">{items}</ul>
<p>Signed in as <strong>{upn}</strong>.</p>
<form method="post" action="/{tenant}/consent">
<input type="hidden" name="ctx" value="{ctx}">
<div class="buttons">
<button id="idBtn_Back" name="decision" value="cancel" type="submit">Cancel</button>
<button id="idSIButton9" class="primary" name="decision" value="accept" type="submit">Accept</button>
</div></form>"#,
            app = escape(app_name),
            upn = escape(upn),
            tenant = escape(tenant_path),
            ctx = escape(ctx),
        ),
    )
}

/// An error Entra shows on its own page instead of redirecting (an untrusted redirect URI, an unknown app).
pub fn error(code: u32, message: &str) -> String {
    page(
        "Sign in error",
        &format!(
            r#"<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="errorCode" class="error"><strong>AADSTS{code}</strong>: {}</p>"#,
            escape(message)
        ),
    )
}

pub fn device_code_entry(error: Option<&str>) -> String {
    let error = error.map_or(String::new(), |e| {
        format!(r#"<p id="otcError" class="error" role="alert">{}</p>"#, escape(e))
    });
    page(
        "Enter code",
        &format!(
            r#"<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>{error}
<form method="post" action="/devicelogin">
<label for="otc">Code</label><input id="otc" name="otc" autocomplete="off" required autofocus>
<div class="buttons"><button id="idSIButton9" class="primary" type="submit">Next</button></div></form>"#
        ),
    )
}

pub fn device_done(approved: bool) -> String {
    let (title, text) = if approved {
        (
            "You're signed in",
            "You have signed in to the application on your device. You may now close this window.",
        )
    } else {
        (
            "Sign-in cancelled",
            "You declined to sign in to the application on your device. You may close this window.",
        )
    };
    page(title, &format!(r#"<h1 id="deviceDone">{title}</h1><p>{text}</p>"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn a_login_hint_fills_the_user_name_and_the_password_gets_the_focus() {
        let html = sign_in("t", "ctx", "App", "admin@contoso-sandbox.onmicrosoft.com", None);
        assert!(html.contains(r#"value="admin@contoso-sandbox.onmicrosoft.com" required>"#), "{html}");
        assert!(html.contains(r#"autocomplete="current-password" required autofocus>"#), "{html}");
        let html = sign_in("t", "ctx", "App", "", None);
        assert!(html.contains(r#"value="" required autofocus>"#), "{html}");
    }

    #[test]
    fn user_text_cannot_break_out_of_the_sign_in_page() {
        let html = sign_in("t", "ctx", "<script>alert(1)</script>", "\"><img src=x>", Some("<b>"));
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x>") && !html.contains("<b>"));
    }
}
