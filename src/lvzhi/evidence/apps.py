from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lvzhi.evidence"
    label = "evidence"
    verbose_name = "证明材料"

    def ready(self) -> None:
        # Scoring asks which files back each indicator (rules may require evidence); evaluations must not
        # import this app, so we register ourselves.
        from lvzhi.evaluations.rescoring import register_evidence_provider
        from lvzhi.evidence.services import evidence_names

        register_evidence_provider(evidence_names)
