"""The morning cache keeps one live entry per slot (athlete and day)."""

from engine.services.morning_cache import MorningCache


def test_morning_cache_new_key_replaces_the_slots_old_entry() -> None:
    # given an entry for athlete 1 today under fingerprint A
    cache: MorningCache[str] = MorningCache(max_entries=10)
    cache.get_or_build((1, "d", "A"), lambda: "a", slot=(1, "d"))
    # when the logs change (fingerprint B)
    value = cache.get_or_build((1, "d", "B"), lambda: "b", slot=(1, "d"))
    # then only the new state is kept, and another athlete's slot is untouched
    cache.get_or_build((2, "d", "A"), lambda: "c", slot=(2, "d"))
    assert value == "b" and len(cache) == 2
    assert cache.get_or_build((1, "d", "B"), lambda: "x", slot=(1, "d")) == "b"


def test_morning_cache_evicts_oldest_beyond_max_entries() -> None:
    cache: MorningCache[int] = MorningCache(max_entries=2)
    for i in range(3):
        cache.get_or_build(i, lambda i=i: i, slot=("s", i))
    assert len(cache) == 2
    assert cache.get_or_build(0, lambda: 99) == 99
