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
