from django.urls import path

from jiefen.supervision import views

app_name = "supervision"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
    path("orders/", views.orders, name="orders"),
    path("leader/", views.leader, name="leader"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/items/<int:item>/", views.campaign_item, name="campaign_item"),
    path("disputes/<int:pk>/order/", views.order_issue, name="order_issue"),
    path("disputes/<int:pk>/orders/<int:order>/answer/", views.order_answer, name="order_answer"),
    path("disputes/<int:pk>/urge/", views.urge, name="urge"),
    path("disputes/<int:pk>/leader/", views.leader_assign, name="leader_assign"),
    path("ownerships/<int:ownership>/note/", views.ownership_note, name="ownership_note"),
    path("ownerships/<int:ownership>/extend/", views.ownership_extend, name="ownership_extend"),
    path("ownerships/<int:ownership>/sign-off/", views.ownership_sign_off, name="sign_off"),
    path("extensions/<int:extension>/decide/", views.extension_decide, name="extension_decide"),
    path("sms/receipts/<str:provider>/<str:token>/", views.sms_receipt, name="sms_receipt"),
]
