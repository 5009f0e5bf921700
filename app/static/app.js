// Small progressive enhancements for pages shown inside an LMS iframe; every page works without them.
(function () {
  "use strict";

  // After an answer the page reloads at #feedback-<activity>: move focus there so screen readers read it.
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target && target.classList.contains("feedback")) {
    target.focus();
  } else {
    // A message the page was opened to give ("You earned the badge …"): focus it, so screen readers read it.
    var message = document.querySelector("[data-focus-on-load]");
    if (message) { message.focus(); }
  }

  // The badge issuer profile's preview follows the form as it is typed in (badges/issuer_settings.html): each
  // [data-preview-text] shows its field's value and each [data-preview-href] links to it; an empty or unusable
  // value shows what the profile falls back to. Without script the preview shows what is saved.
  function previewValue(id) {
    var field = document.getElementById(id);
    if (!field) { return null; }
    if (field.tagName === "SELECT") { return field.value ? field.options[field.selectedIndex].text : ""; }
    return field.value.trim();
  }
  function updatePreview() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-preview-text]"), function (element) {
      element.textContent = previewValue(element.getAttribute("data-preview-text")) ||
        element.getAttribute("data-fallback-text") || "";
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-preview-href]"), function (element) {
      var value = previewValue(element.getAttribute("data-preview-href"));
      var prefix = element.getAttribute("data-href-prefix") || "";
      var usable = prefix ? /^[^@\s]+@[^@\s]+$/.test(value) : /^https?:\/\/\S+$/.test(value);
      element.setAttribute("href", usable ? prefix + value : element.getAttribute("data-fallback-href"));
    });
  }
  if (document.querySelector("[data-preview-text]")) {
    updatePreview();  // a form shown again after a refusal holds what was typed, not what is saved
    document.addEventListener("input", updatePreview);
    document.addEventListener("change", updatePreview);
  }

  // Ask the LMS to fit its iframe to the page (lti.frameResize; Canvas, D2L and others honour it, the rest
  // ignore it). Only when framed, and never more than the height actually changes.
  if (window.parent === window) { return; }
  var lastHeight = 0;
  function announceHeight() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === lastHeight) { return; }
    lastHeight = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  announceHeight();
  if (window.ResizeObserver) {
    new ResizeObserver(announceHeight).observe(document.body);
  } else {
    window.addEventListener("resize", announceHeight);
  }
}());

// navigation: below 44rem the header's links fold behind a Menu button (base.html). The button is hidden in the
// page, so without script the links stay listed; Enter or Space on it opens them, Escape closes them again.
(function () {
  "use strict";
  var nav = document.querySelector(".site-nav");
  var toggle = document.querySelector(".nav-toggle");
  if (!nav || !toggle) { return; }
  nav.classList.add("has-menu");
  toggle.hidden = false;
  function setOpen(open) {
    nav.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");  // focus stays: Tab goes on into the links
  });
  document.addEventListener("keydown", function (event) {
    var inMenu = nav.contains(document.activeElement) || document.activeElement === toggle;
    if (event.key === "Escape" && inMenu && toggle.getAttribute("aria-expanded") === "true" &&
        window.getComputedStyle(toggle).display !== "none") {
      setOpen(false);
      toggle.focus();
    }
  });
}());

// An error page without a same-origin page to link back to offers the browser's Back (errors/error.html), shown only
// when there is a page to go back to.
(function () {
  "use strict";
  var back = document.querySelector("[data-history-back]");
  if (!back || window.history.length < 2) { return; }
  back.hidden = false;
  back.addEventListener("click", function () { window.history.back(); });
}());
