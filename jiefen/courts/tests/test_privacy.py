"""What the subject-access export says about a party's identity document and the application
sent for them: what it is, when, its fingerprint — never the document itself."""

from django.utils import timezone

from jiefen.courts import services
from jiefen.courts.tests.conftest import png, upload
from jiefen.privacy.subject import subject_data


def test_the_export_lists_the_identity_document_and_the_submission(
    agreed, zhangsan, lisi, village_clerk
):
    data = png()
    row = services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", data))
    services.identity_upload_by_party(party=lisi, upload=upload("b.png", png(colour="#112233")))
    services.application_send(
        actor=village_clerk, dispute_id=agreed.pk, court="诸暨市人民法院", reason="代为申请"
    )
    export = subject_data([zhangsan], zhangsan.phone_digest)
    (document,) = export["court_identity_documents"]
    assert document["party"] == "张三" and document["kind"] == "PNG 图片"
    assert document["sha256"] == row.sha256 and document["size"] == len(data)
    (sent,) = export["court_submissions"]
    assert sent["court"] == "诸暨市人民法院" and sent["reference"]
    assert timezone.localdate().isoformat() in sent["sent_at"]
    # 李四's document is not 张三's data.
    assert all(d["party"] == "张三" for d in export["court_identity_documents"])
