/* The account page's calendar feed address: a "Copy the address" button where the browser
 * can copy (it stays hidden otherwise: the address can still be selected and copied by
 * hand). The role="status" line beside it says whether the copy worked. No inline script
 * (CSP). */
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  var buttons = document.querySelectorAll("[data-copy-from]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-from"));
    var group = button.closest("[data-copy-group]");
    var status = group ? group.querySelector("[data-copy-status]") : null;
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value.trim()).then(function () {
        if (status) { status.textContent = "Copied. Paste it into your calendar application."; }
      }, function () {
        field.select();
        if (status) { status.textContent = "Could not copy: select the address and copy it."; }
      });
    });
  });
}());
