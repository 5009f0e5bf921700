// Copy buttons for read-only values (the admin's "values to paste" page). Progressive enhancement: without
// this script each value is still in a read-only field that can be selected and copied by keyboard.
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  if (!status) { return; }
  var copyLabel = status.getAttribute("data-copy-label") || "Copy";
  var copiedLabel = status.getAttribute("data-copied-label") || "Copied";
  var failedLabel = status.getAttribute("data-failed-label") || "Copying failed";

  function labelOf(source) {
    var label = document.querySelector('label[for="' + source.id + '"]');
    return label ? label.textContent.trim() : "";
  }

  function announce(message) {
    // Emptied first so that copying the same value twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copy(source) {
    var name = labelOf(source);
    var done = function () { announce(copiedLabel + ": " + name); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () { fallback(source, done); });
    } else {
      fallback(source, done);
    }
  }

  function fallback(source, done) {
    source.focus();
    source.select();
    try {
      if (document.execCommand("copy")) { done(); return; }
    } catch (error) { /* fall through */ }
    announce(failedLabel);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (source) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.textContent = copyLabel;
    button.setAttribute("aria-label", copyLabel + " " + labelOf(source));
    button.addEventListener("click", function () { copy(source); });
    source.insertAdjacentElement("afterend", button);
  });
}());
