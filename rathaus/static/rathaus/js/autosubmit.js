// Forms that carry a SAML message on (HTTP-POST binding) send themselves; without
// JavaScript the visible button does the same.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
