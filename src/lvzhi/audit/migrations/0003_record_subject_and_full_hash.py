"""Every field in the record hash, and the evaluation/round each record is about.

Existing records get their subject from the object they name (when it still exists), and the whole chain is
re-hashed with every field in the hash — but only after the chain verifies under the old rule, so an
upgrade can never launder a tampered log: a broken chain stops the migration with the first broken record.
"""

import hashlib
import json
from datetime import UTC

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64

# object_type → the lookup giving the evaluation id of the named object.
EVALUATION_OF = {
    "evaluations.datavalue": ("evaluations", "DataValue", "evaluation_id"),
    "evaluations.itemscore": ("evaluations", "ItemScore", "evaluation_id"),
    "evidence.evidence": ("evidence", "Evidence", "evaluation_id"),
    "rectification.problem": ("rectification", "Problem", "evaluation_id"),
    "rectification.measure": ("rectification", "Measure", "problem__evaluation_id"),
    "rectification.progressupdate": ("rectification", "ProgressUpdate", "problem__evaluation_id"),
    "rectification.evidencefile": ("rectification", "EvidenceFile", "problem__evaluation_id"),
}


def _canonical(fields):
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _old_fields(rec):
    return {
        "seq": rec.seq,
        "at": rec.at.astimezone(UTC).isoformat(),
        "actor": rec.actor_username,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "object_repr": rec.object_repr,
        "region": rec.region_code,
        "before": rec.before,
        "after": rec.after,
    }


def _new_fields(rec):
    return {
        **_old_fields(rec),
        "actor_id": rec.actor_id,
        "evaluation_id": rec.evaluation_id,
        "round_id": rec.round_id,
    }


def _hash(prev, fields):
    return hashlib.sha256((prev + _canonical(fields)).encode("utf-8")).hexdigest()


def _subject(apps, rec):
    try:
        pk = int(rec.object_id)
    except (TypeError, ValueError):
        return None, None
    if rec.object_type == "evaluations.evaluation":
        Evaluation = apps.get_model("evaluations", "Evaluation")
        return pk, Evaluation.objects.filter(pk=pk).values_list("round_id", flat=True).first()
    if rec.object_type == "evaluations.round":
        return None, pk
    if rec.object_type == "evaluations.expertassignment":
        model = apps.get_model("evaluations", "ExpertAssignment")
        return None, model.objects.filter(pk=pk).values_list("round_id", flat=True).first()
    if rec.object_type in EVALUATION_OF:
        app, name, lookup = EVALUATION_OF[rec.object_type]
        model = apps.get_model(app, name)
        return model.objects.filter(pk=pk).values_list(lookup, flat=True).first(), None
    return None, None


def rehash(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    ChainHead = apps.get_model("audit", "ChainHead")
    prev_old = prev_new = GENESIS
    expected = 1
    for rec in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        if rec.seq != expected or rec.prev_hash != prev_old or _hash(prev_old, _old_fields(rec)) != rec.hash:
            raise RuntimeError(
                f"审计链在第 {rec.seq} 条记录处校验失败，迁移已停止（不会为被篡改的记录重新计算哈希）。"
                "请先用 `lvzhi audit verify` 查明原因。"
            )
        prev_old = rec.hash
        rec.evaluation_id, rec.round_id = _subject(apps, rec)
        rec.prev_hash = prev_new
        rec.hash = _hash(prev_new, _new_fields(rec))
        prev_new = rec.hash
        # Record by record in order: each new hash needs the previous new hash.
        rec.save(update_fields=["evaluation_id", "round_id", "prev_hash", "hash"])
        expected += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None:
        if head.seq != expected - 1 or (head.hash or GENESIS) != prev_old:
            raise RuntimeError(
                "审计链头与记录不符（末尾记录被删除），迁移已停止。请先用 `lvzhi audit verify` 查明原因。"
            )
        head.hash = "" if expected == 1 else prev_new
        head.save(update_fields=["hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_chain_head_row"),
        ("evaluations", "0001_initial"),
        ("evidence", "0001_initial"),
        ("rectification", "0002_evidence_files"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditrecord",
            name="evaluation_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="评价"),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="round_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="评价轮次"),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(rehash, migrations.RunPython.noop),
    ]
