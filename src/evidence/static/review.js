// Keyboard shortcuts for the review app. Every action is also a plain form or link: without
// this script the app works the same, by mouse or Tab.
"use strict";
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) &&
    !(target instanceof HTMLInputElement && target.type === "checkbox");
  if (event.key === "Escape" && typing) {
    target.blur();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const byId = (id) => document.getElementById(id);
  const click = (id) => { const el = byId(id); if (el && !el.disabled) el.click(); return !!el; };
  const reason = byId("rv-reason");
  let handled = true;
  if (event.key === "i") {
    click("rv-include");
  } else if (event.key === "x") {
    const other = byId("rv-reason-other");
    if (reason && (reason.value || (other && other.value.trim()))) click("rv-exclude");
    else if (reason) reason.focus();
  } else if (/^[1-9]$/.test(event.key) && reason) {
    const index = Number(event.key);
    if (index < reason.options.length) reason.selectedIndex = index;
  } else if (event.key === "n") {
    const note = byId("rv-note"); if (note) note.focus();
  } else if (event.key === "f") {
    const box = byId("rv-featured"); if (box) box.checked = !box.checked;
  } else if (event.key === "c") {
    const box = byId("rv-corrections");
    if (box) { box.open = true; const design = byId("rv-design"); if (design) design.focus(); }
  } else if (event.key === "u") {
    const form = byId("rv-undo"); if (form) form.querySelector("button").click();
  } else if (event.key === "r") {
    const form = byId("rv-rebuild"); if (form) form.querySelector("button").click();
  } else if (event.key === "j") {
    click("rv-next");
  } else if (event.key === "k") {
    click("rv-previous");
  } else if (event.key === "?") {
    const keys = byId("rv-keys"); if (keys) keys.open = !keys.open;
  } else {
    handled = false;
  }
  if (handled) event.preventDefault();
});
