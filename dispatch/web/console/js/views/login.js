// The sign-in form (POST /v1/auth/token, OAuth2 password form).

import { h } from "../dom.js";
import { language, setLanguage, t } from "../i18n.js";

// Maps a failed sign-in to the message key the person should read.
export function loginErrorKey(error) {
  if (error.status === 0) return "login.error.network";
  if (error.status === 400 || error.status === 401 || error.status === 403) return "login.error.credentials";
  if (error.status === 422) return "login.error.missing";
  if (error.status === 429) return "login.error.rate";
  return "login.error.server";
}

export function renderLogin({ onLogin, message }) {
  const error = h("p", { class: "form-error", id: "login-error", role: "alert" }, message ? t(message) : "");
  error.hidden = !message;
  const username = h("input", {
    id: "login-username",
    name: "username",
    autocomplete: "username",
    autocapitalize: "none",
    spellcheck: "false",
    required: true,
  });
  const password = h("input", {
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const submit = h("button", { type: "submit", class: "button button--primary button--wide", id: "login-submit" }, t("login.submit"));

  const showError = (text) => {
    error.textContent = text;
    error.hidden = false;
  };

  const form = h(
    "form",
    {
      class: "login-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        if (!username.value.trim() || !password.value) {
          showError(t("login.error.missing"));
          (username.value.trim() ? password : username).focus();
          return;
        }
        submit.disabled = true;
        submit.textContent = t("login.busy");
        try {
          await onLogin(username.value.trim(), password.value);
        } catch (failure) {
          showError(t(loginErrorKey(failure), { status: failure.status }));
          password.select();
        } finally {
          submit.disabled = false;
          submit.textContent = t("login.submit");
        }
      },
    },
    h("label", { for: "login-username" }, t("login.username")),
    username,
    h("label", { for: "login-password" }, t("login.password")),
    password,
    error,
    submit,
  );

  return h(
    "div",
    { class: "login-page" },
    h(
      "section",
      { class: "login-card", "aria-labelledby": "login-heading" },
      h(
        "div",
        { class: "login-brand" },
        h("span", { class: "brand-mark", "aria-hidden": "true" }, "◉"),
        h("span", {}, t("app.short")),
      ),
      h("h1", { id: "login-heading" }, t("login.heading")),
      h("p", { class: "muted" }, t("login.intro")),
      form,
      h(
        "button",
        {
          type: "button",
          class: "button button--link",
          id: "language-switch",
          lang: language() === "id" ? "en" : "id",
          onclick: () => {
            setLanguage(language() === "id" ? "en" : "id");
            const page = document.querySelector(".login-page");
            page.replaceWith(renderLogin({ onLogin, message }));
          },
        },
        t("lang.switch"),
      ),
    ),
  );
}
