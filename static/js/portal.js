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

/* The error summary (templates/components/error_summary.html). After a failed submit the
 * page opens with focus on the summary (data-error-summary, tabindex="-1"), so a screen
 * reader reads the problems first and a keyboard user starts from there; each link moves
 * focus to its field and scrolls the field's label into view. */
(function () {
  "use strict";
  function followLink(event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    event.preventDefault();
    var group = target.closest(".usa-form-group, .usa-fieldset") || target;
    group.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var summaries = document.querySelectorAll("[data-error-summary]");
    for (var i = 0; i < summaries.length; i += 1) {
      summaries[i].addEventListener("click", followLink);
    }
    if (!summaries.length) { return; }
    var summary = summaries[0];
    summary.focus();
    // A page posted from an address with a #fragment (a "Change" link's) goes to that
    // fragment once loaded, which takes focus from the summary: give it back, unless the
    // person has moved on to something else.
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        var active = document.activeElement;
        var hash = window.location.hash.slice(1);
        var target = hash ? document.getElementById(decodeURIComponent(hash)) : null;
        if (!active || active === document.body || (target && active === target)) {
          summary.focus();
        }
      }, 0);
    });
  });
})();

/* Trying a tracking-number pattern (the MCO page): an input marked
 *   data-pattern-test="ID_OF_THE_PATTERN_FIELD"
 * says, as the person types, whether its number matches the pattern, in
 * #tracking-test-result (aria-live). The server says the same when "Try it" or "Save" is
 * pressed; a pattern only Python reads is left to the server. */
(function () {
  "use strict";
  function tryNumber(input, source, out) {
    var number = input.value.trim();
    var pattern = source.value.trim();
    var verdict = "";
    var fits = null;
    if (number && !pattern) {
      verdict = number + " is accepted: with no pattern, any number is.";
      fits = true;
    } else if (number) {
      try {
        fits = new RegExp("^(?:" + pattern + ")$").test(number);
        verdict = number + (fits ? " matches the pattern." : " does not match the pattern.");
      } catch (error) {
        verdict = "This pattern cannot be tried as you type; press \u201cTry it\u201d.";
      }
    }
    out.textContent = verdict;
    out.classList.toggle("portal-test-result--match", fits === true);
    out.classList.toggle("portal-test-result--miss", fits === false);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[data-pattern-test]");
    for (var i = 0; i < inputs.length; i += 1) {
      (function (input) {
        var source = document.getElementById(input.getAttribute("data-pattern-test"));
        var out = document.getElementById("tracking-test-result");
        if (!source || !out) { return; }
        var update = function () { tryNumber(input, source, out); };
        input.addEventListener("input", update);
        source.addEventListener("input", update);
      })(inputs[i]);
    }
  });
})();

/* The tracking-number format under the number's field (the filing page): a select marked
 *   data-tracking-hints='{"<MCO id>": "…", "": "every MCO's"}' data-tracking-hint-target="ID"
 * puts the chosen MCO's format and example into #ID as soon as the MCO is chosen, before
 * the number is typed. Without JavaScript the hint lists every MCO's. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-tracking-hints]");
    for (var i = 0; i < selects.length; i += 1) {
      (function (select) {
        var hints;
        try { hints = JSON.parse(select.getAttribute("data-tracking-hints")); } catch (e) { return; }
        var target = document.getElementById(select.getAttribute("data-tracking-hint-target"));
        if (!target) { return; }
        var update = function () {
          var hint = hints[select.value];
          target.textContent = hint === undefined ? hints[""] : hint;
        };
        select.addEventListener("change", update);
        update();
      })(selects[i]);
    }
  });
})();
