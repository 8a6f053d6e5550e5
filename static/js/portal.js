/* Progressive enhancement, no inline script (CSP). A block marked
 *   data-show-when="FIELD=VALUE"
 * is shown only while the radio button or checkbox FIELD has VALUE (for a checkbox: "on"
 * when ticked). Without JavaScript every block stays visible and the server decides. */
(function () {
  "use strict";
  function currentValue(form, name) {
    var inputs = form.querySelectorAll('input[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i += 1) {
      var input = inputs[i];
      if (input.type === "checkbox") { return input.checked ? "on" : ""; }
      if (input.checked) { return input.value; }
    }
    return "";
  }
  function update(form) {
    var blocks = form.querySelectorAll("[data-show-when]");
    for (var i = 0; i < blocks.length; i += 1) {
      var rule = blocks[i].getAttribute("data-show-when").split("=");
      var wanted = rule[1].split("|");
      blocks[i].hidden = wanted.indexOf(currentValue(form, rule[0])) === -1;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i += 1) {
      if (forms[i].querySelector("[data-show-when]")) {
        (function (form) {
          form.addEventListener("change", function () { update(form); });
          update(form);
        })(forms[i]);
      }
    }
  });
})();
