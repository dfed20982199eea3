from django.urls import path

from . import chat_views, views

urlpatterns = [
    path("notifications/", views.notification_list_view, name="notifications"),
    path("notifications/read/", views.notification_read_view, name="notifications-read"),
    path("hr/chat/", chat_views.chat_channel_list_view, name="hr-chat"),
    path("hr/chat/<int:pk>/", chat_views.chat_channel_edit_view, name="hr-chat-edit"),
    path("hr/chat/<int:pk>/delete/", chat_views.chat_channel_delete_view, name="hr-chat-delete"),
    path("hr/chat/<int:pk>/test/", chat_views.chat_channel_test_view, name="hr-chat-test"),
]
