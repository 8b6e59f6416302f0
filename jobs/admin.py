"""Background work in the admin: nothing. The jobs show on the lab's Jobs pages, to the
people of the lab; django_tasks_db's list of raw tasks (their arguments, the operators'
tracebacks) is taken out of the admin."""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
