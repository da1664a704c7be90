"""The topics and languages that migrations load, loaded again after a transactional test has
emptied every table: by the migrations' own loaders (they update or create, so running them is
always safe), the topics' English labels included."""

from importlib import import_module

from django.apps import apps


def reference_data_load() -> None:
    import_module("inclusion.core.migrations.0003_topics").load_topics(apps, None)
    import_module("inclusion.core.migrations.0004_languages").load_languages(apps, None)
    import_module("inclusion.core.migrations.0006_topic_label_en").fill_labels_en(apps, None)
