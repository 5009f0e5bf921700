// Copy buttons for read-only values (the admin's "values to paste" page, registration URLs, the badge share rows).
// Progressive enhancement: without this script each value is still in a read-only field that can be selected and
// copied by keyboard. The feedback ("Copied") is announced BESIDE the button that was pressed, in a live region of
// its own: a value inside [data-copy-scope] announces in that scope's [data-copy-status]; any other value gets a
// role=status region right after its button. The words come from the page's #copy-labels (or #copy-status):
// data-copy-label, data-copied-label, data-failed-label. A value may name its own button (data-copy-button) and
// its announcement (data-copied-message).
(function () {
  "use strict";
  if (window.rexCopyButtons) { return; }  // included by more than one part of a page
  window.rexCopyButtons = true;

  var words = document.getElementById("copy-labels") || document.getElementById("copy-status");

  function word(name, fallback) {
    return (words && words.getAttribute(name)) || fallback;
  }

  function labelOf(source) {
    var label = document.querySelector('label[for="' + source.id + '"]');
    return label ? label.textContent.trim() : "";
  }

  function scopedStatus(source) {
    var scope = source.closest("[data-copy-scope]");
    return scope && scope.querySelector("[data-copy-status]");
  }

  function statusBeside(button) {
    // Made with the button, before anything is announced: screen readers follow regions present from the start.
    var status = document.createElement("span");
    status.className = "copy-feedback";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("data-testid", "copy-feedback");
    button.insertAdjacentElement("afterend", status);
    return status;
  }

  function announce(status, message) {
    // Emptied first so that copying the same value twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copy(source, status) {
    var message = source.getAttribute("data-copied-message") ||
      (status.getAttribute("data-copied-label") || word("data-copied-label", "Copied"));
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
    announce(status, status.getAttribute("data-failed-label") ||
      word("data-failed-label", "Copying failed: select the value and copy it yourself."));
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (source) {
    var own = source.getAttribute("data-copy-button");
    var copyLabel = word("data-copy-label", "Copy");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.textContent = own || copyLabel;
    if (!own) { button.setAttribute("aria-label", copyLabel + " " + labelOf(source)); }
    source.insertAdjacentElement("afterend", button);
    var status = scopedStatus(source) || statusBeside(button);
    button.addEventListener("click", function () { copy(source, status); });
  });
}());
