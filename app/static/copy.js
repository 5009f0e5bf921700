// Copy buttons for read-only values (the admin's "values to paste" page, the badge share rows). Progressive
// enhancement: without this script each value is still in a read-only field that can be selected and copied by
// keyboard. A value inside [data-copy-scope] announces in that scope's [data-copy-status]; others in #copy-status.
// A value may name its own button (data-copy-button) and its announcement (data-copied-message).
(function () {
  "use strict";
  if (window.rexCopyButtons) { return; }  // included by more than one part of a page
  window.rexCopyButtons = true;

  function labelOf(source) {
    var label = document.querySelector('label[for="' + source.id + '"]');
    return label ? label.textContent.trim() : "";
  }

  function statusOf(source) {
    var scope = source.closest("[data-copy-scope]");
    return (scope && scope.querySelector("[data-copy-status]")) || document.getElementById("copy-status");
  }

  function announce(status, message) {
    // Emptied first so that copying the same value twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copy(source, status) {
    var message = source.getAttribute("data-copied-message") ||
      (status.getAttribute("data-copied-label") || "Copied") + ": " + labelOf(source);
    var done = function () { announce(status, message); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () { fallback(source, status, done); });
    } else {
      fallback(source, status, done);
    }
  }

  function fallback(source, status, done) {
    source.focus();
    source.select();
    try {
      if (document.execCommand("copy")) { done(); return; }
    } catch (error) { /* fall through */ }
    announce(status, status.getAttribute("data-failed-label") || "Copying failed");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (source) {
    var status = statusOf(source);
    if (!status) { return; }
    var own = source.getAttribute("data-copy-button");
    var copyLabel = status.getAttribute("data-copy-label") || "Copy";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.textContent = own || copyLabel;
    if (!own) { button.setAttribute("aria-label", copyLabel + " " + labelOf(source)); }
    button.addEventListener("click", function () { copy(source, status); });
    source.insertAdjacentElement("afterend", button);
  });
}());
