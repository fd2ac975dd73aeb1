"""On a 390×844 phone, in Chromium: every main page of every demo account (each menu entry, a
dispute, a meeting, the registration form) fits the screen's width and has no tap target
smaller than 44×44 px.

A tap target is a visible link, button, summary, select, text box or text area; a checkbox or
radio counts by the label that holds it. A link inside a sentence (a paragraph or list item with
text of its own around the link) is exempt, as WCAG 2.2's target-size rule exempts inline
targets: its height is the line's.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from jiefen.accounts.models import User
from jiefen.demo.services import ACCOUNTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("JIEFEN_SHOTS", "")) if os.environ.get("JIEFEN_SHOTS") else None

# Runs in the page: what overflows the width and which tap targets are too small.
MEASURE = """() => {
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return null;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') return null;
    if (parseFloat(s.opacity) === 0) return null;
    if (el.closest('[hidden], details:not([open]) > :not(summary)')) return null;
    if (r.right < 0 || r.bottom < 0 || r.left > innerWidth) return null;  // a skip link off screen
    return r;
  };
  const inline = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, td, dd, span.meta, div, label, small');
    if (!block) return false;
    const own = (el.textContent || '').trim().length;
    return (block.textContent || '').trim().length > own + 1;
  };
  const small = [];
  const targets = document.querySelectorAll(
    'a[href], button, summary, select, textarea, input:not([type=hidden])');
  for (const el of targets) {
    let box = el;
    if (el.type === 'checkbox' || el.type === 'radio') box = el.closest('label') || el;
    const r = seen(box);
    if (!r || inline(el)) continue;
    if (Math.round(r.width) < 44 || Math.round(r.height) < 44) {
      const name = (el.getAttribute('aria-label') || el.textContent || el.name || el.type || '')
        .trim().replace(/\\s+/g, ' ').slice(0, 30);
      const up = el.parentElement;
      const where = up.tagName.toLowerCase() + (up.className ? '.' + up.className : '');
      const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${name}" in ${where} ${size}`);
    }
  }
  const wide = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && !el.closest('.scroll')) {
        wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
        if (wide.length > 3) break;
      }
    }
    wide.unshift(`scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
  }
  return {small, wide};
}"""


@pytest.fixture
def demo_site(transactional_db):
    """The demo as `make run` loads it, with 300 disputes instead of 100,000."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("demo", disputes=300, stdout=io.StringIO())
        call_command("meetings", "schedule", stdout=io.StringIO())


def signed_in(chromium, live_server, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


def main_pages(page, live_server):
    """The menu's entries (and the bell), then one dispute and one meeting where there are."""
    page.goto(f"{live_server.url}/")
    html = page.content()
    nav = re.search(r'<header class="top">.*?<nav[^>]*>(.*?)</nav>', html, re.S)
    urls = re.findall(r'href="(/[^"]*)"', nav.group(1)) if nav else []
    urls += re.findall(r'<a class="bell[^"]*" href="(/[^"]+)"', html)
    for listing, pattern in (("/disputes/", r'href="(/disputes/\d+/)"'),
                             ("/meetings/?body=all", r'href="(/meetings/\d+/)"')):  # fmt: skip
        if any(u.startswith(listing.split("?")[0]) for u in urls):
            page.goto(live_server.url + listing)
            found = re.search(pattern, page.content())
            if found:
                urls.append(found.group(1))
    seen: list[str] = []
    for url in ["/", *urls]:
        if url.startswith("/admin/") or url in seen or "logout" in url:
            continue
        seen.append(url)
    return seen


def test_every_main_page_fits_a_phone_with_targets_big_enough_to_tap(
    chromium, live_server, demo_site
):
    # One demo for all seven accounts: loading it takes longer than walking one account.
    problems: list[str] = []
    for account in ACCOUNTS:
        problems += walk(chromium, live_server, account.username)
    assert not problems, "\n".join(problems)


def walk(chromium, live_server, username):
    context, page = signed_in(chromium, live_server, username)
    problems = []
    try:
        for url in main_pages(page, live_server):
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, f"{username} {url}"
            found = page.evaluate(MEASURE)
            for line in found["wide"][:4]:
                problems.append(f"{username} {url} too wide: {line}")
            for line in found["small"][:6]:
                problems.append(f"{username} {url} small target: {line}")
            if SHOTS:
                SHOTS.mkdir(parents=True, exist_ok=True)
                name = re.sub(r"\W+", "-", url).strip("-") or "home"
                page.screenshot(path=str(SHOTS / f"{username}-{name}.png"), full_page=True)
    finally:
        context.close()
    return problems
