// dmguard inbox: keyboard use and canned replies. Plain script, no build.
// Inbox: j/k move, Enter opens, r opens with the reply box, / searches.
// A person: r writes a reply, Ctrl+Enter (or Cmd+Enter) sends, Esc leaves the box, then the page.
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");
  var selected = sessionStorage.getItem("dmguard-selected");

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".conv")); }
  function select(row, focus) {
    rows().forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    if (!row) { return; }
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selected = row.getAttribute("data-contact");
    sessionStorage.setItem("dmguard-selected", selected);
    if (focus) { row.querySelector("a").focus(); } else { row.scrollIntoView({ block: "nearest" }); }
  }
  function current() { return document.querySelector(".conv.selected"); }
  function restore() {
    var list = rows();
    if (!list.length) { return; }
    var keep = selected && document.querySelector('.conv[data-contact="' + selected + '"]');
    select(keep || list[0]);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && target.tagName === "TEXTAREA" && target.form) {
      event.preventDefault();
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
      return;
    }
    if (event.key === "Escape") {
      if (typing(target)) { target.blur(); return; }
      if (page === "person") { window.location.href = "/"; }
      return;
    }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (page === "inbox") {
      var list = rows();
      var index = list.indexOf(current());
      if (event.key === "j") { select(list[Math.min(index + 1, list.length - 1)], true); event.preventDefault(); }
      else if (event.key === "k") { select(list[Math.max(index - 1, 0)], true); event.preventDefault(); }
      else if (event.key === "Enter" && current() && !(target.closest && target.closest("a, button"))) {
        window.location.href = current().querySelector("a").href;
      }
      else if (event.key === "r" && current()) { window.location.href = current().querySelector("a").href + "#reply"; }
      else if (event.key === "/") { var q = document.getElementById("q"); if (q) { q.focus(); event.preventDefault(); } }
    } else if (page === "person" && event.key === "r") {
      var box = document.getElementById("reply");
      if (box) { box.focus(); event.preventDefault(); }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-canned]") : null;
    if (!button) { return; }
    var box = document.getElementById("reply");
    if (!box) { return; }
    var text = button.getAttribute("data-canned");
    box.value = box.value.trim() ? box.value.replace(/\s*$/, "") + "\n\n" + text : text;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  });

  document.addEventListener("htmx:afterSwap", restore);
  document.addEventListener("htmx:configRequest", function (event) {
    var csrf = document.querySelector('input[name="csrf"]');
    if (csrf) { event.detail.headers["X-CSRF-Token"] = csrf.value; }
  });
  if (page === "inbox") { restore(); }
  if (page === "person" && window.location.hash === "#reply") {
    var box = document.getElementById("reply");
    if (box) { box.focus(); }
  }
})();
