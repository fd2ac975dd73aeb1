from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "jiefen.search"
    verbose_name = _("查找与关联")

    def ready(self) -> None:
        from jiefen.disputes import intake as dispute_pages
        from jiefen.disputes import selectors
        from jiefen.disputes.lifecycle import EVENT_LABELS
        from jiefen.disputes.services import EVENT_FOLLOWERS, REPLAY_FOLLOWERS
        from jiefen.search import index
        from jiefen.search import selectors as search_selectors
        from jiefen.search.events import EVENT_LABELS as SEARCH_LABELS
        from jiefen.search.views import intake_link, intake_review, search_box_mask

        EVENT_LABELS.update(SEARCH_LABELS)  # type: ignore[arg-type]
        if index.index_follow not in EVENT_FOLLOWERS:
            EVENT_FOLLOWERS.append(index.index_follow)
        REPLAY_FOLLOWERS[index.index_follow] = index.index_replayed
        selectors.TEXT_SEARCH = search_selectors.search_page
        dispute_pages.search_box_mask.register(search_box_mask)
        dispute_pages.intake_review.register(intake_review)
        dispute_pages.intake_link.register(intake_link)

        from jiefen.search.intake import page_parts_register

        page_parts_register()
