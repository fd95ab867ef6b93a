import pytest

from protocol import topics


def test_device_topic_round_trip():
    topic = topics.device_topic("btn-ilir-0001", topics.EVENT)

    assert topic == "ampera/v1/dev/btn-ilir-0001/event"
    assert topics.parse_device_topic(topic) == ("btn-ilir-0001", "event")


@pytest.mark.parametrize(
    "device_id",
    ["ab", "-abc", "ABC", "a_b_c", "a" * 65, "abc/def", "ab c", ""],
)
def test_device_topic_rejects_invalid_id(device_id):
    with pytest.raises(ValueError, match="invalid device id"):
        topics.device_topic(device_id, topics.EVENT)


@pytest.mark.parametrize(
    "topic",
    [
        "ampera/v1/dev/ABC/event",
        "ampera/v1/dev/abc/unknown",
        "ampera/v2/dev/abc/event",
        "ampera/v1/dev/abc/event/extra",
        "ampera/v1/gateway/status",
    ],
)
def test_parse_device_topic_rejects(topic):
    assert topics.parse_device_topic(topic) is None
