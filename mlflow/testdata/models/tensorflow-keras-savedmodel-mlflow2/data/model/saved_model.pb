placeholder bytes for data/model/saved_model.pb of fixture tensorflow-keras-savedmodel-mlflow2
